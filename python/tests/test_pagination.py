"""`list(max_items=N)` follows next_cursor across pages of the real server."""

from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from latchkey._http import Transport

from support import Organization

ACCOUNTS = 205


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[str, str]]:
    """The (path, max_items) of every GET request the SDK makes."""
    seen: List[Tuple[str, str]] = []
    original = Transport.request

    def recording(self: Transport, method: str, path: str, **kwargs: Any) -> Any:
        if method == "GET":
            query = dict(kwargs.get("query") or ())
            seen.append((path, query.get("max_items", "")))
        return original(self, method, path, **kwargs)

    monkeypatch.setattr(Transport, "request", recording)
    return seen


def test_lists_follow_cursors_past_one_page(org: Organization, pages: List[Tuple[str, str]]) -> None:
    owner = org.owner
    names = [f"bot-{index:03d}" for index in range(ACCOUNTS)]
    for name in names:
        owner.service_account.create(name=name)
    newest_first = list(reversed(names))

    pages.clear()
    everything = owner.service_account.list(max_items=250)
    assert [account.name for account in everything] == newest_first
    # 250 wanted: 100 + 100 + 50 asked, the last page short (5) and without a cursor.
    assert pages == [("/service-accounts", "100"), ("/service-accounts", "100"), ("/service-accounts", "50")]

    pages.clear()
    assert [account.name for account in owner.service_account.list(max_items=150)] == newest_first[:150]
    assert [size for _, size in pages] == ["100", "50"]

    pages.clear()
    assert [account.name for account in owner.service_account.list(max_items=100)] == newest_first[:100]
    assert [size for _, size in pages] == ["100"]

    pages.clear()
    assert [account.name for account in owner.service_account.list()] == newest_first[:20]
    assert [size for _, size in pages] == ["20"]

    pages.clear()
    assert len(owner.service_account.list(max_items=None)) == ACCOUNTS
    assert [size for _, size in pages] == ["100", "100", "100"]

    # The other lists page the same way.
    assert len(owner.api_key.list(max_items=None)) == ACCOUNTS
    assert len(owner.api_key.list(max_items=101)) == 101


@pytest.mark.parametrize("bad", [0, -1, True])
def test_max_items_must_be_positive(org: Organization, bad: int) -> None:
    with pytest.raises(ValueError, match="max_items"):
        org.owner.user.list(max_items=bad)
