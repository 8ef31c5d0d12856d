"""Fixtures: a real `latchkey serve` for the whole session, a fresh organization per test.

The binary is `LATCHKEY_BIN`, else the workspace's target/debug/latchkey (built by
`cargo build -p latchkey-cli`; scripts/test-python does it). The server runs on the
embedded store in a temporary directory, whatever the environment says about DynamoDB.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

import latchkey

from support import SCRUBBED, Organization, Server, binary, start


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    latchkey_bin = binary()
    data_dir = tmp_path_factory.mktemp("latchkey-data")
    configured_log = os.environ.get("LATCHKEY_SERVE_LOG")
    log = Path(configured_log) if configured_log else data_dir.parent / "serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED}
    env.setdefault("RUST_LOG", "info")
    env["HOME"] = str(tmp_path_factory.mktemp("server-home"))
    errors: List[Exception] = []
    for _ in range(3):  # another process may take the free port before the server binds it
        try:
            process, url = start(latchkey_bin, data_dir, log, env)
            break
        except RuntimeError as error:
            errors.append(error)
    else:
        raise errors[-1]
    try:
        yield Server(binary=latchkey_bin, url=url, data_dir=data_dir, log=log, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def org(server: Server) -> Organization:
    name = f"org-{uuid.uuid4().hex[:12]}"
    email = f"owner@{name}.example"
    token = server.bootstrap(name, email)
    return Organization(
        server=server,
        name=name,
        owner_email=email,
        owner_token=token,
        owner=latchkey.Client(api_url=server.url, token=token),
    )


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Each test gets an empty HOME, no LATCHKEY_* variables, and no cached default client."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("LATCHKEY_CLI_TOKEN", "LATCHKEY_API_URL"):
        monkeypatch.delenv(name, raising=False)
    latchkey.set_default_client(None)
    yield home
    latchkey.set_default_client(None)
