"""The audit log (`latchkey.audit`, `client.audit`), end to end against the real server."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import latchkey
from latchkey import (
    AuditActor,
    AuditEvent,
    AuditTarget,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
    models,
)

from support import Organization, unique


def test_events_say_who_did_what_newest_first(org: Organization) -> None:
    owner = org.owner
    email = f"{unique('audited')}@example.com"
    user, cli_token = owner.user.add(email)

    events = owner.audit.list(max_items=None)
    # Bootstrap wrote the organization, its owner and the owner's CLI token; the new user
    # and its first CLI token come after, and the list is newest first.
    assert [event.action for event in events] == [
        "credential.created",
        "user.created",
        "credential.created",
        "user.created",
        "organization.created",
    ]
    assert [event.id for event in events] == sorted((event.id for event in events), reverse=True)
    created = events[1]
    assert isinstance(created, AuditEvent)
    assert created.target == AuditTarget(type="user", id=user.id, label=email)
    assert created.actor.email == org.owner_email
    assert created.actor.type == "user"
    assert created.actor.credential_kind == "cli_token"
    assert created.request.source_ip == "127.0.0.1"
    assert created.details["email"] == email
    assert created.time.tzinfo is timezone.utc
    first_key = events[0].target
    assert first_key.type == "credential"
    assert first_key.label == f"…{cli_token[-6:]}"
    founding = events[-1]
    assert founding.actor == AuditActor(type="operator")
    assert (founding.actor.display, founding.target.display) == ("operator", org.name)
    assert cli_token not in repr(events)

    # The same event by id, and its dict the API's shape.
    assert owner.audit.get(created.id) == created
    assert owner.audit.get(uuid.UUID(created.id)) == created
    assert AuditEvent.from_dict(created.to_dict()) == created


def test_filters(org: Organization) -> None:
    owner = org.owner
    user, _ = owner.user.add(f"{unique('filtered')}@example.com")
    me = owner.me()

    assert [e.action for e in owner.audit.list(action="user.created")] == ["user.created"] * 2
    assert [e.action for e in owner.audit.list(target_id=user.id)] == ["user.created"]
    by_owner = owner.audit.list(actor_id=uuid.UUID(me.id))
    assert [e.action for e in by_owner] == ["credential.created", "user.created"]
    now = datetime.now(timezone.utc)
    assert owner.audit.list(since=now + timedelta(minutes=5)) == []
    assert len(owner.audit.list(until=now + timedelta(minutes=5), max_items=None)) == 5
    assert owner.audit.list(since="2000-01-01T00:00:00Z", until="2001-01-01T00:00:00Z") == []
    with pytest.raises(ValidationFailedError):
        owner.audit.list(action="user.exploded")
    with pytest.raises(ValidationFailedError):
        owner.audit.list(since=now, until=now - timedelta(hours=1))
    with pytest.raises(ValueError, match="naive"):
        owner.audit.list(since=datetime(2026, 1, 1))


def test_iter_follows_cursors_lazily(org: Organization) -> None:
    owner = org.owner
    owner.user.add(f"{unique('paged')}@example.com")
    everything = owner.audit.list(max_items=None)
    assert len(everything) == 5
    # One event per page: five pages, the same events in the same order.
    assert list(owner.audit.iter(page_size=1)) == everything
    pages = owner.audit.iter(action="credential.created", page_size=1)
    assert next(pages).id == everything[0].id
    assert [e.id for e in pages] == [everything[2].id]
    # list(max_items=N) returns at most N, across pages.
    assert owner.audit.list(max_items=3) == everything[:3]
    with pytest.raises(ValueError, match="page_size"):
        owner.audit.iter(page_size=0)
    with pytest.raises(ValueError, match="page_size"):
        owner.audit.iter(page_size=101)


def test_only_owners_read_the_log(org: Organization) -> None:
    _, cli_token = org.owner.user.add(f"{unique('reader')}@example.com")
    collaborator = org.client(cli_token)
    with pytest.raises(ForbiddenError):
        collaborator.audit.list()
    with pytest.raises(NotFoundError):
        org.owner.audit.get("00000000-0000-7000-8000-000000000000")


def test_module_functions_use_the_default_client(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATCHKEY_API_URL", org.server.url)
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", org.owner_token)
    listed = latchkey.audit.list()
    assert [e.action for e in listed][-1] == "organization.created"
    assert list(latchkey.audit.iter(action="organization.created")) == listed[-1:]
    assert latchkey.audit.get(listed[0].id) == listed[0]
    assert latchkey.list_audit_events(max_items=1) == listed[:1]
    assert list(latchkey.iter_audit_events(page_size=2)) == listed
    assert latchkey.get_audit_event(listed[-1].id) == listed[-1]


def test_models_are_exported_dataclasses() -> None:
    for name in ("AuditEvent", "AuditActor", "AuditTarget", "AuditRequest"):
        cls = getattr(latchkey, name)
        assert cls is getattr(models, name)
        assert cls is getattr(latchkey.audit, name)
        assert dataclasses.is_dataclass(cls)
    # A newer server's extra fields and actions still parse.
    event = AuditEvent.from_dict(
        {
            "id": "01942f3e-0000-7000-8000-000000000001",
            "time": "2026-01-02T03:04:05.123456789Z",
            "organization_id": "3c9e6f7a-0000-4000-8000-000000000001",
            "action": "organization.renamed",
            "actor": {"type": "anonymous", "id": None, "email": None},
            "target": {"type": "organization", "id": "3c9e6f7a-0000-4000-8000-000000000001", "label": None},
            "request": {"id": None, "source_ip": "192.0.2.1", "user_agent": None, "country": "NL"},
            "details": {},
            "shard": 3,
        }
    )
    assert event.actor.display == "anonymous"
    assert event.target.display == "organization 3c9e6f7a-0000-4000-8000-000000000001"
    assert event.to_dict()["time"] == "2026-01-02T03:04:05.123456Z"
