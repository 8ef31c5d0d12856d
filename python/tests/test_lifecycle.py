"""Credential lifecycle (disable, enable, descriptions and lifespans of API keys, why a key
stopped, where it was used), end to end against the real server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from latchkey import TOKEN_CREATOR, ConflictError, CredentialStatus, ForbiddenError, UnauthorizedError

from support import Organization, unique


def test_api_keys_are_disabled_enabled_described_and_stop_for_a_reason(org: Organization) -> None:
    owner = org.owner
    name = unique("lifecycle")
    key = owner.service_account.create(name=name)
    assert org.client(key).me().principal_type.value == "service_account"
    (info,) = owner.api_key.list(last_six=key[-6:])
    assert info.last_used_ip is not None, "the use above recorded its address"

    disabled = owner.api_key.disable(info.id)
    assert disabled.status is CredentialStatus.DISABLED
    assert disabled.disabled_at is not None
    assert disabled.disabled_by == owner.me().id
    with pytest.raises(UnauthorizedError):
        org.client(key).me()
    assert owner.api_key.list(last_six=key[-6:])[0].status is CredentialStatus.DISABLED

    assert owner.api_key.edit(info.id, description="under investigation").description == "under investigation"
    assert owner.api_key.enable(info.id).status is CredentialStatus.ACTIVE
    org.client(key).me()

    owner.api_key.revoke(info.id)
    with pytest.raises(ConflictError):
        owner.api_key.enable(info.id)
    (revoked,) = owner.api_key.list(last_six=key[-6:], show_inactive=True)
    assert revoked.revoked_reason == "revoked"


def test_rotation_keeps_description_and_lifespan(org: Organization) -> None:
    owner = org.owner
    name = unique("rotating")
    owner.service_account.create(name=name)
    created = owner.service_account.create_api_key(name=name, description="ci", lifespan_days=10)
    rotated = owner.service_account.rotate_api_keys(name=name)
    (new,) = owner.api_key.list(last_six=rotated[-6:])
    assert new.description == "ci"
    assert new.expires_at is not None
    assert new.expires_at - new.created_at == timedelta(days=10)
    (old,) = owner.api_key.list(last_six=created[-6:], show_inactive=True)
    assert old.revoked_reason == "rotated"


def test_a_holder_cannot_enable_what_an_owner_disabled(org: Organization) -> None:
    owner = org.owner
    _, cli = owner.user.add(unique("dev") + "@example.com", roles=[TOKEN_CREATOR])
    dev = org.client(cli)
    info, _ = dev.token.create(expiration_days=3)
    assert owner.token.disable(info.id).status is CredentialStatus.DISABLED
    with pytest.raises(ForbiddenError):
        dev.token.enable(info.id)
    assert owner.token.enable(info.id).status is CredentialStatus.ACTIVE
    dev.token.disable(info.id)
    assert dev.token.enable(info.id).status is CredentialStatus.ACTIVE
