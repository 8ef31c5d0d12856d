"""Reporting leaked credentials (SPEC section 12), end to end against the real server."""

from __future__ import annotations

import pytest

import latchkey
from latchkey import UnauthorizedError, ValidationFailedError

from support import Organization, unique


def test_a_reported_key_stops_and_the_report_needs_no_valid_token(org: Organization) -> None:
    key = org.owner.service_account.create(name=unique("leaky"))
    bot = org.client(key)
    assert bot.me().credential.last_six == key[-6:]
    # Anyone may report: a client with a token that means nothing here.
    stranger = org.client("lku_not-a-token")
    assert stranger.report_leaked_credentials([key, "garbage", key]) == 3
    with pytest.raises(UnauthorizedError):
        bot.me()
    events = org.owner.audit.list(action="credential.leak_reported")
    assert [event.actor.type for event in events] == ["anonymous"]
    assert events[0].target.label == f"…{key[-6:]}"


def test_reports_are_checked_before_they_are_sent_and_by_the_server(org: Organization) -> None:
    with pytest.raises(TypeError):
        org.owner.report_leaked_credentials("lks_one-string")
    with pytest.raises(ValidationFailedError):
        org.owner.report_leaked_credentials([])
    with pytest.raises(ValidationFailedError):
        org.owner.report_leaked_credentials(["x" * 257])


def test_the_module_function_uses_the_default_client(org: Organization) -> None:
    latchkey.set_default_client(org.owner)
    assert latchkey.report_leaked_credentials(["lks_nothing"]) == 1
