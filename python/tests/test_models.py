"""Models: dataclasses with to_dict/from_dict, UTC datetimes, enum members, and
tolerance of fields a newer server adds."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest

import latchkey
from latchkey import (
    CredentialInfo,
    CredentialKind,
    CredentialStatus,
    Me,
    OrganizationPermissionLevel,
    ServiceAccount,
    User,
    models,
)
from latchkey._time import format_timestamp, parse_timestamp

from support import Organization, unique

ACCOUNT: Dict[str, Any] = {
    "id": "3c9e6f7a-0000-4000-8000-000000000001",
    "name": "ci-deployer",
    "email": "ci-deployer@org-1.serviceaccount.com",
    "permission_level": "OWNER",
    "created_at": "2026-01-02T03:04:05.123456789Z",
    "created_by": None,
    "suspended": False,
}

KEY: Dict[str, Any] = {
    "id": "5f0c0000-0000-4000-8000-000000000002",
    "kind": "api_key",
    "owner_id": ACCOUNT["id"],
    "owner_email": ACCOUNT["email"],
    "description": None,
    "last_six": "a1B2c3",
    "created_at": "2026-01-02T03:04:05Z",
    "created_by": "3c9e6f7a-0000-4000-8000-000000000009",
    "expires_at": None,
    "revoked_at": "2026-01-03T00:00:00+02:00",
    "last_used_at": None,
    "status": "revoked",
}


def test_exported_from_the_package_and_models() -> None:
    for name in (
        "ServiceAccount",
        "User",
        "CredentialInfo",
        "Me",
        "MeCredential",
        "IssuedAccessToken",
        "Organization",
        "OrganizationPolicy",
    ):
        assert getattr(latchkey, name) is getattr(models, name)
    assert latchkey.OrganizationPermissionLevel is models.OrganizationPermissionLevel
    assert latchkey.service_account.ServiceAccount is ServiceAccount
    assert [level.name for level in OrganizationPermissionLevel] == ["OWNER", "COLLABORATOR"]
    assert all(dataclasses.is_dataclass(cls) for cls in (ServiceAccount, User, CredentialInfo, Me))


def test_from_dict_parses_times_and_enums() -> None:
    account = ServiceAccount.from_dict(ACCOUNT)
    assert account.permission_level is OrganizationPermissionLevel.OWNER
    assert account.created_at == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    assert account.created_at.tzinfo is timezone.utc
    key = CredentialInfo.from_dict(KEY)
    assert key.kind is CredentialKind.API_KEY
    assert key.status is CredentialStatus.REVOKED
    assert not key.is_active
    assert key.revoked_at == datetime(2026, 1, 2, 22, 0, tzinfo=timezone.utc)
    assert key.scopes is None


def test_to_dict_gives_the_wire_shape_and_round_trips() -> None:
    account = ServiceAccount.from_dict(ACCOUNT)
    assert account.to_dict() == {**ACCOUNT, "created_at": "2026-01-02T03:04:05.123456Z"}
    assert ServiceAccount.from_dict(account.to_dict()) == account
    key = CredentialInfo.from_dict(KEY)
    wire = key.to_dict()
    assert wire["kind"] == "api_key"
    assert wire["revoked_at"] == "2026-01-02T22:00:00Z"
    assert CredentialInfo.from_dict(wire) == key


def test_unknown_fields_from_a_newer_server_are_ignored() -> None:
    newer = {**ACCOUNT, "suspended": False, "labels": {"team": "infra"}}
    assert ServiceAccount.from_dict(newer) == ServiceAccount.from_dict(ACCOUNT)
    key = CredentialInfo.from_dict(
        {**KEY, "scopes": ["orders:read"], "revoked_reason": "rotated", "disabled_at": None}
    )
    assert key.scopes == ["orders:read"]
    assert key.revoked_reason == "rotated"


def test_bad_fields_are_named_not_quoted() -> None:
    with pytest.raises(ValueError, match="permission_level: 'ADMIN' is not one of OWNER, COLLABORATOR"):
        ServiceAccount.from_dict({**ACCOUNT, "permission_level": "ADMIN"})
    with pytest.raises(ValueError, match=r"^email: missing$"):
        ServiceAccount.from_dict({key: value for key, value in ACCOUNT.items() if key != "email"})
    with pytest.raises(ValueError, match="created_at: expected an RFC 3339 timestamp"):
        ServiceAccount.from_dict({**ACCOUNT, "created_at": "yesterday"})
    with pytest.raises(ValueError, match="roles: expected a list of strings"):
        User.from_dict({**ACCOUNT, "roles": "TokenCreator"})


def test_enums_are_strings_of_their_value() -> None:
    level = OrganizationPermissionLevel.OWNER
    assert level == "OWNER"
    assert str(level) == "OWNER"
    assert f"{level}" == "OWNER"
    assert OrganizationPermissionLevel("COLLABORATOR") is OrganizationPermissionLevel.COLLABORATOR


def test_timestamps() -> None:
    assert parse_timestamp("2026-05-01T12:00:00.1+05:30") == datetime(
        2026, 5, 1, 6, 30, 0, 100000, tzinfo=timezone.utc
    )
    assert parse_timestamp("2026-05-01t12:00:00z").tzinfo is timezone.utc
    for bad in ("2026-05-01", "2026-05-01T12:00:00", "2026-13-01T00:00:00Z", "2026-05-01T12:00:00+0530"):
        with pytest.raises(ValueError, match=r"not an RFC 3339 timestamp|month must be"):
            parse_timestamp(bad)
    assert (
        format_timestamp(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
        == "2026-01-01T00:00:00Z"
    )
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 1, 1))


def test_models_of_the_real_server_round_trip(org: Organization) -> None:
    owner = org.owner
    name = unique("round-trip")
    owner.service_account.create(name=name)
    user, _ = owner.user.add(f"{unique('rt')}@example.com")
    info, _ = owner.token.create(description="round trip")
    me = owner.me()
    account = owner.service_account.get(name=name)
    assert ServiceAccount.from_dict(account.to_dict()) == account
    assert User.from_dict(user.to_dict()) == user
    assert CredentialInfo.from_dict(info.to_dict()) == info
    assert Me.from_dict(me.to_dict()) == me
    for key in owner.api_key.list():
        assert CredentialInfo.from_dict(key.to_dict()) == key
    assert me.credential.kind is CredentialKind.CLI_TOKEN
    assert isinstance(me.permission_level, OrganizationPermissionLevel)
    assert me.to_dict()["credential"]["kind"] == "cli_token"
