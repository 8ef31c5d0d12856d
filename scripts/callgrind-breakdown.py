#!/usr/bin/env python3
"""Where a callgrind dump's instructions go, by part of the work (docs/performance.md).

Reads `callgrind_annotate` output (exclusive costs, one line per function: `Ir  file:name`),
puts each function in a part by the crate (and for the DynamoDB client, the module) its
symbol names, and prints a Markdown table: instructions per invocation and share, per part,
summing to the dump's total. Exclusive costs do not overlap, so the parts add up; code
inlined across crates (fat LTO) counts where it was inlined. The frames that were on the
stack when the counters were zeroed (`main`, the runtime's entry) show the whole total as
their own and are left out.

Usage: callgrind-breakdown.py ANNOTATE_OUTPUT INVOCATIONS
"""

import re
import sys
from collections import defaultdict

# (part, test on the demangled symbol), first match wins.
PARTS = [
    ("SigV4 signing (aws-sigv4, hmac, the SDK's signing glue)",
     lambda s, c: c in ("aws_sigv4", "hmac") or "sigv4" in s or "::auth::" in s and c.startswith("aws_runtime")),
    ("SHA-256 (sha2: the token's hash, the request's payload hash, HMAC)", lambda s, c: c in ("sha2", "digest")),
    ("endpoint resolution (the SDK's endpoint rules)", lambda s, c: "endpoint" in s and c.startswith("aws_")),
    ("request building (the SDK's serialisers, JSON writer)",
     lambda s, c: c == "aws_sdk_dynamodb" and "::ser_" in s or c == "aws_smithy_json" and "::serialize" in s),
    ("response parsing (the SDK's deserialisers, JSON reader, serde_dynamo)",
     lambda s, c: c in ("aws_sdk_dynamodb", "aws_smithy_json") and ("::de_" in s or "::deserialize" in s)
     or c == "serde_dynamo"),
    ("the SDK's orchestrator, config, retries, interceptors (aws-smithy-*, aws-runtime, aws-sdk-dynamodb)",
     lambda s, c: c.startswith("aws_smithy") or c.startswith("aws_runtime") or c == "aws_sdk_dynamodb"
     or c.startswith("aws_types") or c.startswith("aws_credential")),
    ("HTTP client and Runtime API client (hyper, hyper-util, http, httparse, tower)",
     lambda s, c: c in ("hyper", "hyper_util", "http", "httparse", "h2", "tower", "http_body", "http_body_util",
                        "want", "try_lock", "lambda_runtime_api_client")),
    ("event parsing and answer writing (serde_json, aws_lambda_events, lambda_runtime)",
     lambda s, c: c in ("serde_json", "serde", "aws_lambda_events", "lambda_runtime", "serde_core", "http_serde",
                        "base64", "query_map")),
    ("latchkey's own code", lambda s, c: c in ("latchkey", "latchkey_functions", "authorizer")),
    ("logging (tracing, tracing-subscriber)", lambda s, c: c.startswith("tracing")),
    ("async runtime (tokio, mio, futures)", lambda s, c: c in ("tokio", "mio", "futures_util", "futures_core",
                                                               "futures_channel", "pin_project_lite")),
    ("TLS stack linked but idle on plain HTTP (rustls, aws-lc)", lambda s, c: c.startswith("rustls") or "aws_lc" in c),
    ("memory allocation (malloc, free, realloc)",
     lambda s, c: re.search(r"\b(malloc|free|realloc|calloc|_int_malloc|_int_free|cfree|malloc_consolidate)\b", s)),
    ("memcpy, memmove, memset, strlen (libc)", lambda s, c: re.search(r"\b(mem(cpy|move|set|cmp)|str(len|cmp))", s)),
    ("Rust std, core, alloc (formatting, collections, hashing)",
     lambda s, c: c in ("core", "alloc", "std", "hashbrown", "smallvec", "bytes", "indexmap", "itoa", "ryu",
                        "percent_encoding", "form_urlencoded", "uuid", "chrono", "time", "fastrand", "rand")),
    ("kernel entry, dynamic loader, libc other", lambda s, c: True),
]

LINE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$")


def crate_of(symbol: str) -> str:
    """The first crate a Rust symbol names: `<aws_smithy_x::A as B>::f` -> aws_smithy_x."""
    name = symbol.split(":", 1)[1] if re.match(r"^[^:<]*\.(rs|c|S)?:|^\?\?\?:", symbol) else symbol
    name = name.lstrip("<&* ").removeprefix("dyn ").removeprefix("mut ")
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    return m.group(1) if m else ""


def main() -> None:
    path, invocations = sys.argv[1], int(sys.argv[2])
    parts: dict[str, int] = defaultdict(int)
    total = None
    for line in open(path, encoding="utf-8", errors="replace"):
        if total is None and "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m or total is None or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        # The frames that were on the stack when the counters were zeroed (main and the
        # runtime's entry) show the whole total as their own: not a part of the work.
        if ir == total:
            continue
        symbol = re.sub(r"\s+\[[^\]]*\]$", "", m.group(2))
        crate = crate_of(symbol)
        for part, test in PARTS:
            if test(symbol, crate):
                parts[part] += ir
                break
    if not total:
        sys.exit(f"{path}: no PROGRAM TOTALS line")
    print("| part | instructions per invocation | share |")
    print("|---|---:|---:|")
    for part, ir in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"| {part} | {ir / invocations:,.0f} | {100 * ir / total:.1f}% |")
    print(f"| **total** | **{total / invocations:,.0f}** | 100% |")


if __name__ == "__main__":
    main()
