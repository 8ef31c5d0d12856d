"""The real server and the CLI beside it, for the tests (see conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

import latchkey

REPOSITORY = Path(__file__).resolve().parents[2]

# Variables that would steer the server or the CLI away from this test's setup.
SCRUBBED = (
    "DYNAMODB_ENDPOINT",
    "LATCHKEY_REQUIRE_DYNAMODB",
    "LATCHKEY_CLI_TOKEN",
    "LATCHKEY_API_URL",
    "LATCHKEY_DATA_DIR",
)


def binary() -> Path:
    configured = os.environ.get("LATCHKEY_BIN")
    binary = Path(configured) if configured else REPOSITORY / "target" / "debug" / "latchkey"
    if not binary.is_file():
        pytest.fail(
            f"no latchkey binary at {binary}: run `cargo build -p latchkey-cli` or set LATCHKEY_BIN",
            pytrace=False,
        )
    return binary


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `latchkey serve` and the means to run the CLI beside it."""

    binary: Path
    url: str
    data_dir: Path
    log: Path
    env: Dict[str, str] = field(repr=False)

    def run(self, *args: str, home: Optional[Path] = None, stdin: Optional[str] = None) -> str:
        """Runs the CLI; its stdout (the command must succeed)."""
        env = dict(self.env)
        if home is not None:
            env["HOME"] = str(home)
        finished = subprocess.run(
            [str(self.binary), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        if finished.returncode != 0:
            # stderr only: the CLI never prints a credential there.
            raise AssertionError(f"latchkey {args[0]} failed ({finished.returncode}): {finished.stderr}")
        return finished.stdout

    def bootstrap(self, organization: str, owner_email: str) -> str:
        """A new organization; its owner's CLI token (printed alone on stdout)."""
        output = self.run(
            "bootstrap",
            "--organization",
            organization,
            "--owner-email",
            owner_email,
            "--data-dir",
            str(self.data_dir),
        )
        return output.strip()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start(
    binary: Path, data_dir: Path, log_path: Path, env: Dict[str, str]
) -> Tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _healthy(url):
            return process, url
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"latchkey serve did not answer on {url}; see {log_path}")


@dataclass
class Organization:
    """A fresh organization on the server, and a client of its first owner."""

    server: Server
    name: str
    owner_email: str
    owner_token: str = field(repr=False)
    owner: latchkey.Client

    def client(self, token: str) -> latchkey.Client:
        return latchkey.Client(api_url=self.server.url, token=token)


def unique(prefix: str) -> str:
    """A service-account name (or email local part) no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
