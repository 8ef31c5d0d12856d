"""Access tokens, end to end against the real server (seed 003's `det token` verbs)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import latchkey
from latchkey import (
    TOKEN_CREATOR,
    CredentialKind,
    CredentialStatus,
    ForbiddenError,
    IssuedAccessToken,
    NotFoundError,
    UnauthorizedError,
)

from support import Organization, unique


def test_create_list_describe_edit_revoke(org: Organization) -> None:
    owner = org.owner
    before = datetime.now(timezone.utc)
    issued = owner.token.create(expiration_days=7, description="Automated testing token")
    assert isinstance(issued, IssuedAccessToken)
    info, token = issued
    assert token.startswith("lka_")
    assert info.kind is CredentialKind.ACCESS_TOKEN
    assert info.status is CredentialStatus.ACTIVE
    assert info.description == "Automated testing token"
    assert info.owner_email == org.owner_email
    assert info.last_six == token[-6:]
    assert info.created_at.tzinfo is timezone.utc
    assert info.expires_at is not None
    assert info.expires_at.tzinfo is timezone.utc
    assert abs(info.expires_at - (before + timedelta(days=7))) < timedelta(minutes=5)

    # The token authenticates its user.
    me = org.client(token).me()
    assert me.email == org.owner_email
    assert me.credential.kind is CredentialKind.ACCESS_TOKEN
    assert me.credential.id == info.id
    assert me.credential.expires_at == info.expires_at

    other, _ = owner.token.create()
    assert {info.id, other.id} <= {listed.id for listed in owner.token.list()}
    assert owner.token.describe(other.id, info.id) == [owner.token.get(other.id), owner.token.get(info.id)]

    edited = owner.token.edit(info.id, description="Nightly build")
    assert edited.description == "Nightly build"
    assert owner.token.get(info.id).description == "Nightly build"

    revoked = owner.token.revoke(info.id)
    assert revoked.status is CredentialStatus.REVOKED
    assert revoked.revoked_at is not None
    with pytest.raises(UnauthorizedError):
        org.client(token).me()
    assert info.id not in {listed.id for listed in owner.token.list()}
    inactive = {listed.id: listed.status for listed in owner.token.list(show_inactive=True)}
    assert inactive[info.id] is CredentialStatus.REVOKED
    assert inactive[other.id] is CredentialStatus.ACTIVE


def test_token_creators_and_owners_acting_for_users(org: Organization) -> None:
    owner = org.owner
    creator_email = f"{unique('creator')}@example.com"
    _, creator_token = owner.user.add(creator_email, roles=[TOKEN_CREATOR])
    plain_user, plain_token = owner.user.add(f"{unique('plain')}@example.com")
    creator = org.client(creator_token)
    plain = org.client(plain_token)

    own, secret = creator.token.create(expiration_days=1)
    assert own.owner_email == creator_email
    assert org.client(secret).me().email == creator_email
    assert [listed.id for listed in creator.token.list()] == [own.id]

    # Without the role a user cannot create one for itself; an OWNER can, for it.
    with pytest.raises(ForbiddenError) as denied:
        plain.token.create()
    assert denied.value.status == 403
    assert "TokenCreator" in denied.value.detail
    for_plain, _ = owner.token.create(user=plain_user.email, description="made by the owner")
    assert for_plain.owner_id == plain_user.id
    assert for_plain.created_by == owner.me().id
    assert [listed.id for listed in owner.token.list(user=plain_user.id)] == [for_plain.id]
    # The user sees and may revoke its own token; another user's token does not exist for it.
    assert [listed.id for listed in plain.token.list()] == [for_plain.id]
    with pytest.raises(NotFoundError):
        plain.token.describe(own.id)
    assert plain.token.revoke(for_plain.id).status is CredentialStatus.REVOKED


def test_the_determined_verbs_through_the_module_functions(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATCHKEY_API_URL", org.server.url)
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", org.owner_token)
    info, token = latchkey.token.create(expiration_days=30, description="Automated testing token")
    assert [listed.id for listed in latchkey.token.list()] == [info.id]
    (described,) = latchkey.token.describe(info.id)
    assert described == info
    assert latchkey.token.get(info.id) == info
    assert latchkey.token.edit(info.id, description="New description").description == "New description"
    assert latchkey.token.revoke(info.id).status is CredentialStatus.REVOKED
    assert latchkey.token.list() == []
    assert [listed.id for listed in latchkey.token.list(show_inactive=True)] == [info.id]
    with pytest.raises(ValueError, match="at least one"):
        latchkey.token.describe()
    assert token.startswith("lka_")
