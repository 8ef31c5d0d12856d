"""The organization and its policy (SPEC section 11), end to end against the real server,
and the bodies the SDK sends for it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterator

import pytest

import latchkey
from latchkey import (
    TOKEN_CREATOR,
    ConflictError,
    ForbiddenError,
    Organization,
    OrganizationPolicy,
    ValidationFailedError,
)

from stub import Answer, Stub
from support import Organization as Org
from support import unique

ORGANIZATION = {
    "id": "3c9e6f7a-0000-4000-8000-000000000001",
    "name": "acme",
    "created_at": "2026-01-02T03:04:05Z",
    "policy": {"access_token_max_days": 30, "api_key_max_days": None, "allowed_ip_ranges": []},
}


def test_any_member_reads_the_organization_and_its_default_policy(org: Org) -> None:
    organization = org.owner.organization.get()
    assert isinstance(organization, Organization)
    assert organization.name == org.name
    assert isinstance(organization.created_at, datetime)
    assert organization.policy.api_key_max_days is None
    assert organization.policy.allowed_ip_ranges == []
    assert organization.policy.access_token_max_days >= 1
    assert Organization.from_dict(organization.to_dict()) == organization
    _, cli = org.owner.user.add(unique("member") + "@example.com")
    assert org.client(cli).organization.get() == organization


def test_limits_bind_new_credentials_and_none_clears_the_key_limit(org: Org) -> None:
    owner = org.owner
    updated = owner.organization.update(access_token_max_days=7, api_key_max_days=30)
    assert updated.policy == OrganizationPolicy(access_token_max_days=7, api_key_max_days=30)
    assert owner.organization.get() == updated
    with pytest.raises(ValidationFailedError):
        owner.token.create(expiration_days=8)
    name = unique("limited")
    owner.service_account.create(name=name)
    (key,) = owner.service_account.list_api_keys(name=name)
    assert key.expires_at is not None
    assert key.expires_at - key.created_at == timedelta(days=30)

    # Leaving api_key_max_days out keeps it; None clears it.
    assert owner.organization.update(access_token_max_days=10).policy.api_key_max_days == 30
    cleared = owner.organization.update(api_key_max_days=None)
    assert cleared.policy.api_key_max_days is None
    assert cleared.policy.access_token_max_days == 10
    with pytest.raises(ValidationFailedError):
        owner.organization.update(api_key_max_days=0)


def test_ranges_are_canonical_and_a_lockout_is_a_conflict_that_changes_nothing(org: Org) -> None:
    owner = org.owner
    # The tests reach the server from 127.0.0.1: ranges holding it are accepted.
    updated = owner.organization.update(allowed_ip_ranges=["127.0.0.1", "10.1.2.0/24", "2001:DB8::/32"])
    # Stored in canonical form (in the server's order).
    assert sorted(updated.policy.allowed_ip_ranges) == ["10.1.2.0/24", "127.0.0.1/32", "2001:db8::/32"]
    owner.me()
    with pytest.raises(ConflictError) as refused:
        owner.organization.update(allowed_ip_ranges=["198.51.100.0/24", "2001:db8::/32"])
    assert refused.value.status == 409
    assert "shut out" in refused.value.detail
    assert owner.organization.get() == updated
    with pytest.raises(ValidationFailedError):
        owner.organization.update(allowed_ip_ranges=["10.1.2.3/24"])  # host bits set
    assert owner.organization.update(allowed_ip_ranges=[]).policy.allowed_ip_ranges == []


def test_only_an_owner_with_a_persistent_credential_changes_the_policy(org: Org) -> None:
    owner = org.owner
    _, cli = owner.user.add(unique("collab") + "@example.com", roles=[TOKEN_CREATOR])
    with pytest.raises(ForbiddenError):
        org.client(cli).organization.update(access_token_max_days=5)
    _, access_token = owner.token.create(expiration_days=1)
    with pytest.raises(ForbiddenError):
        org.client(access_token).organization.update(access_token_max_days=5)
    assert owner.organization.get().policy.access_token_max_days != 5


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.close()


def test_update_sends_only_what_is_given(stub: Stub) -> None:
    client = latchkey.Client(api_url=stub.url, token="lku_" + "x" * 40, timeout=2)
    stub.answer = Answer(200, ORGANIZATION)
    client.organization.update(api_key_max_days=None)
    client.organization.update(access_token_max_days=3, allowed_ip_ranges=("10.0.0.0/8",))
    assert [json.loads(seen.body) for seen in stub.seen] == [
        {"policy": {"api_key_max_days": None}},
        {"policy": {"access_token_max_days": 3, "allowed_ip_ranges": ["10.0.0.0/8"]}},
    ]
    assert {seen.method for seen in stub.seen} == {"PATCH"}
    with pytest.raises(ValueError, match="nothing to change"):
        client.organization.update()
    with pytest.raises(TypeError):
        client.organization.update(allowed_ip_ranges="10.0.0.0/8")
    assert len(stub.seen) == 2, "refused arguments send nothing"
