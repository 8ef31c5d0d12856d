"""Service accounts and API keys, end to end against the real server (seed 002's flows)."""

from __future__ import annotations

import pytest

import latchkey
from latchkey import (
    CredentialKind,
    CredentialStatus,
    NotFoundError,
    OrganizationPermissionLevel,
    PrincipalType,
    UnauthorizedError,
)

from support import Organization, unique


def test_create_use_list_rotate_delete(org: Organization) -> None:
    owner = org.owner
    name = unique("ci-deployer")

    api_key = owner.service_account.create(name=name)
    assert isinstance(api_key, str)
    assert api_key.startswith("lks_")

    # The key works: /me shows the service account and the key.
    bot = org.client(api_key)
    me = bot.me()
    assert me.principal_type is PrincipalType.SERVICE_ACCOUNT
    assert me.permission_level is OrganizationPermissionLevel.COLLABORATOR
    assert me.credential.kind is CredentialKind.API_KEY
    assert me.credential.last_six == api_key[-6:]

    account = owner.service_account.get(name=name)
    assert account.name == name
    assert account.email == me.email
    assert account.id == me.id
    assert account.permission_level is OrganizationPermissionLevel.COLLABORATOR
    assert account.created_by == owner.me().id
    assert owner.service_account.get(email=account.email) == account
    # Newest first.
    assert owner.service_account.list(max_items=20)[0] == account

    # Another key: both work.
    second = owner.service_account.create_api_key(name=name)
    assert org.client(second).me().id == account.id
    assert bot.me().id == account.id
    keys = owner.service_account.list_api_keys(name=name)
    assert {key.last_six for key in keys} == {api_key[-6:], second[-6:]}
    assert all(key.kind is CredentialKind.API_KEY and key.status is CredentialStatus.ACTIVE for key in keys)
    assert all(key.owner_id == account.id and key.owner_email == account.email for key in keys)

    # Rotation: a new key, and every older one is refused from the next request on.
    rotated = owner.service_account.rotate_api_keys(email=account.email)
    with pytest.raises(UnauthorizedError) as refused:
        bot.me()
    assert refused.value.status == 401
    assert refused.value.code == "unauthorized"
    with pytest.raises(UnauthorizedError):
        org.client(second).me()
    assert org.client(rotated).me().id == account.id
    assert [key.last_six for key in owner.service_account.list_api_keys(name=name)] == [rotated[-6:]]
    history = owner.service_account.list_api_keys(name=name, show_inactive=True)
    assert {key.last_six: key.status for key in history} == {
        api_key[-6:]: CredentialStatus.REVOKED,
        second[-6:]: CredentialStatus.REVOKED,
        rotated[-6:]: CredentialStatus.ACTIVE,
    }

    # Revoke all keys: the account stays, its keys do not.
    owner.service_account.revoke_api_keys(name=name)
    with pytest.raises(UnauthorizedError):
        org.client(rotated).me()
    assert owner.service_account.get(name=name).id == account.id

    # Delete: gone, and a fresh key of a new account of the same name is a new principal.
    fresh = owner.service_account.create_api_key(name=name)
    owner.service_account.delete(name=name)
    with pytest.raises(NotFoundError):
        owner.service_account.get(name=name)
    with pytest.raises(UnauthorizedError):
        org.client(fresh).me()
    assert owner.service_account.create(name=name) != api_key
    assert owner.service_account.get(name=name).id != account.id


def test_permission_level_as_enum_or_name(org: Organization) -> None:
    owner_key = org.owner.service_account.create(
        name=unique("admin-bot"), permission_level=OrganizationPermissionLevel.OWNER
    )
    assert org.client(owner_key).me().permission_level is OrganizationPermissionLevel.OWNER
    by_name = org.owner.service_account.create(name=unique("admin-bot"), permission_level="OWNER")
    assert org.client(by_name).me().permission_level is OrganizationPermissionLevel.OWNER
    with pytest.raises(ValueError, match="OWNER or COLLABORATOR"):
        org.owner.service_account.create(name=unique("bot"), permission_level="ADMIN")


def test_an_account_is_named_by_exactly_one_of_email_and_name(org: Organization) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        org.owner.service_account.create_api_key()
    with pytest.raises(ValueError, match="exactly one"):
        org.owner.service_account.delete(email="a@b.c", name="a")


def test_api_keys_across_the_organization(org: Organization) -> None:
    owner = org.owner
    first_name, other_name = unique("first"), unique("other")
    first_key = owner.service_account.create(name=first_name)
    other_key = owner.service_account.create(name=other_name)
    first = owner.service_account.get(name=first_name)

    everything = owner.api_key.list(max_items=None)
    assert {first_key[-6:], other_key[-6:]} <= {key.last_six for key in everything}

    only_first = owner.api_key.list(service_account_email=first.email)
    assert [key.last_six for key in only_first] == [first_key[-6:]]

    # A key seen in a log is traced by its last six characters, then revoked.
    (found,) = owner.api_key.list(last_six=other_key[-6:])
    assert found.owner_email.startswith(other_name + "@")
    owner.api_key.revoke(found.id)
    with pytest.raises(UnauthorizedError):
        org.client(other_key).me()
    assert org.client(first_key).me().id == first.id

    assert owner.api_key.list(last_six=other_key[-6:]) == []
    (revoked,) = owner.api_key.list(last_six=other_key[-6:], show_inactive=True)
    assert revoked.status is CredentialStatus.REVOKED
    assert revoked.revoked_at is not None
    with pytest.raises(NotFoundError):
        owner.api_key.revoke("00000000-0000-4000-8000-000000000000")


def test_the_seed_script_through_the_module_functions(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATCHKEY_API_URL", org.server.url)
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", org.owner_token)
    name = unique("my-service-account")

    api_key = latchkey.service_account.create(name=name)
    assert latchkey.Client(api_url=org.server.url, token=api_key).me().email.startswith(name + "@")
    second = latchkey.service_account.create_api_key(name=name)
    accounts = latchkey.service_account.list(max_items=20)
    assert [account.name for account in accounts] == [name]
    assert isinstance(accounts[0], latchkey.service_account.ServiceAccount)
    rotated = latchkey.service_account.rotate_api_keys(name=name)
    assert rotated not in (api_key, second)
    assert [key.last_six for key in latchkey.service_account.list_api_keys(name=name)] == [rotated[-6:]]
    latchkey.service_account.revoke_api_keys(name=name)
    latchkey.service_account.delete(name=name)
    assert latchkey.service_account.list() == []
