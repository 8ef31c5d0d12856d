"""Users and their CLI tokens, end to end against the real server."""

from __future__ import annotations

import pytest

import latchkey
from latchkey import (
    TOKEN_CREATOR,
    ConflictError,
    CreatedUser,
    NotFoundError,
    OrganizationPermissionLevel,
    PrincipalType,
    UnauthorizedError,
)

from support import Organization, unique


def test_add_list_update_remove(org: Organization) -> None:
    owner = org.owner
    owner_me = owner.me()
    local = unique("dev")
    created = owner.user.add(f"  {local.upper()}@Example.COM ", name="Dev", roles=[TOKEN_CREATOR])
    assert isinstance(created, CreatedUser)
    user, cli_token = created
    # The server trims and lower-cases emails once, on the way in.
    assert user.email == f"{local}@example.com"
    assert user.name == "Dev"
    assert user.permission_level is OrganizationPermissionLevel.COLLABORATOR
    assert user.roles == [TOKEN_CREATOR]
    assert user.created_by == owner_me.id
    assert cli_token.startswith("lku_")

    dev = org.client(cli_token)
    dev_me = dev.me()
    assert dev_me.principal_type is PrincipalType.USER
    assert dev_me.id == user.id
    assert dev_me.roles == [TOKEN_CREATOR]

    # Oldest first; every member may list and read users.
    listed = dev.user.list()
    assert [member.email for member in listed] == [org.owner_email, user.email]
    assert listed[0].created_by is None  # the owner came from bootstrap
    assert dev.user.get(user.id) == user

    promoted = owner.user.update(user.id, permission_level=OrganizationPermissionLevel.OWNER, roles=[])
    assert promoted.permission_level is OrganizationPermissionLevel.OWNER
    assert promoted.roles == []
    # A change of level applies from the very next request.
    assert dev.me().permission_level is OrganizationPermissionLevel.OWNER
    demoted = owner.user.update(user.id, permission_level="COLLABORATOR")
    assert demoted.permission_level is OrganizationPermissionLevel.COLLABORATOR
    assert owner.user.get(user.id) == demoted

    owner.user.remove(user.id)
    with pytest.raises(UnauthorizedError):
        dev.me()
    with pytest.raises(NotFoundError):
        owner.user.get(user.id)


def test_rotating_another_users_cli_token(org: Organization) -> None:
    user, old_token = org.owner.user.add(f"{unique('rotated')}@example.com")
    new_token = org.owner.user.rotate_cli_token(user.id)
    assert new_token != old_token
    with pytest.raises(UnauthorizedError):
        org.client(old_token).me()
    assert org.client(new_token).me().id == user.id


def test_rotating_and_revoking_ones_own_cli_tokens(org: Organization) -> None:
    _, old_token = org.owner.user.add(f"{unique('self')}@example.com")
    dev = org.client(old_token)

    new_token = dev.user.rotate_own()
    # The client switched to the new token; the old one is dead.
    assert dev.me().credential.last_six == new_token[-6:]
    with pytest.raises(UnauthorizedError):
        org.client(old_token).me()
    assert dev.user.rotate_cli_token() != new_token  # user_id omitted: one's own, like the CLI

    dev.user.revoke_own()
    with pytest.raises(UnauthorizedError):
        dev.me()

    # The last OWNER cannot lock the organization out.
    with pytest.raises(ConflictError) as refused:
        org.owner.user.revoke_own()
    assert refused.value.status == 409
    assert org.owner.me().email == org.owner_email


def test_arguments_checked_before_any_request(org: Organization) -> None:
    with pytest.raises(ValueError, match="nothing to change"):
        org.owner.user.update(org.owner.me().id)
    with pytest.raises(ValueError, match="list of role names"):
        org.owner.user.add("x@example.com", roles=TOKEN_CREATOR)
    with pytest.raises(ValueError, match="cannot name an object"):
        org.owner.user.get("..")


def test_users_through_the_module_functions(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATCHKEY_API_URL", org.server.url)
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", org.owner_token)
    user, token = latchkey.user.create(f"{unique('module')}@example.com", name="Module")
    assert latchkey.user.get(user.id) == user
    assert [member.id for member in latchkey.user.list()][-1] == user.id
    assert latchkey.user.update(user.id, roles=[TOKEN_CREATOR]).roles == [TOKEN_CREATOR]
    assert latchkey.user.rotate_cli_token(user.id) != token
    latchkey.user.remove(user.id)
    assert [member.email for member in latchkey.user.list()] == [org.owner_email]
    assert latchkey.me().email == org.owner_email
