"""The client behind the module functions (`latchkey.me()`, `latchkey.token.list()`, ...)."""

from __future__ import annotations

import threading
from typing import Optional

from .client import Client

_lock = threading.Lock()
_client: Optional[Client] = None


def get_default_client() -> Client:
    """The client the module functions use, made on first use from the environment
    (`Client()`: the same configuration as the `latchkey` CLI).
    """
    global _client
    with _lock:
        if _client is None:
            _client = Client()
        return _client


def set_default_client(client: Optional[Client]) -> None:
    """Make the module functions use `client`; None: make a new one from the environment
    on next use (after changing LATCHKEY_CLI_TOKEN, say).
    """
    global _client
    with _lock:
        _client = client
