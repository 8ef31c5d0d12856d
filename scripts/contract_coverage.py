"""How far the contract run got: for each operation of infra/openapi.yaml, how many
requests schemathesis sent and how many were answered 2xx, read from the runs' HAR
files. An operation addressed by an id (a `{param}` in its path) that never answered
2xx was only ever tested with ids that name nothing: its links are missing or broken.

Usage: contract_coverage.py [--require-ids] OPENAPI HAR...
  --require-ids  exit 1 when an operation with a path parameter never answered 2xx.

Run with .venv-contract's Python (PyYAML comes with schemathesis). Prints counts and
paths only, never a request or response body (the HAR holds the credentials that
the run created).
"""

from __future__ import annotations

import collections
import json
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped]

METHODS = ("get", "put", "post", "patch", "delete")


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    ]


def template_of(ops: list[tuple[str, str]], method: str, path: str) -> str | None:
    """The path template `path` matches, as the server matches it: a static segment
    wins over a `{param}` one."""
    segments = path.split("/")
    best: tuple[int, str] | None = None
    for op_method, template in ops:
        parts = template.split("/")
        if op_method != method or len(parts) != len(segments):
            continue
        statics = 0
        for part, segment in zip(parts, segments):
            if part.startswith("{"):
                if not segment:
                    break
            elif part == segment:
                statics += 1
            else:
                break
        else:
            if best is None or statics > best[0]:
                best = (statics, template)
    return best[1] if best else None


def main(argv: list[str]) -> int:
    args = argv[1:]
    require_ids = bool(args) and args[0] == "--require-ids"
    if require_ids:
        args = args[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        ops = operations(yaml.safe_load(f))
    sent: collections.Counter[tuple[str, str]] = collections.Counter()
    succeeded: collections.Counter[tuple[str, str]] = collections.Counter()
    for har in args[1:]:
        with open(har, encoding="utf-8") as f:
            entries = json.load(f)["log"]["entries"]
        for entry in entries:
            method = entry["request"]["method"]
            template = template_of(ops, method, urlsplit(entry["request"]["url"]).path)
            if template is None:
                continue
            sent[(method, template)] += 1
            if 200 <= entry["response"]["status"] < 300:
                succeeded[(method, template)] += 1

    print(f"{'operation':<60} {'sent':>5} {'2xx':>5}")
    for op in ops:
        print(f"{op[0] + ' ' + op[1]:<60} {sent[op]:>5} {succeeded[op]:>5}")
    with_ids = [op for op in ops if "{" in op[1]]
    reached = [op for op in ops if succeeded[op]]
    ids_reached = [op for op in with_ids if succeeded[op]]
    print(
        f"operations answering 2xx: {len(reached)} of {len(ops)}; "
        f"addressed by an id: {len(ids_reached)} of {len(with_ids)}"
    )
    missing = [op for op in with_ids if not succeeded[op]]
    if missing:
        print("never answered 2xx (no real id reached them):")
        for method, path in missing:
            print(f"  - {method} {path}")
        print(
            "(missed in one run only: chance, try a larger CONTRACT_STATEFUL_SECONDS; "
            "in every run: a link to it is missing or broken)"
        )
        if require_ids:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
