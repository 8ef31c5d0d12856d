"""Rotation with a grace period, rolling one key, and suspension (SPEC section 10), end to
end against the real server."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

import latchkey
from latchkey import ConflictError, UnauthorizedError, ValidationFailedError

from stub import Answer, Stub
from support import Organization, unique


def test_graced_rotations_keep_the_older_credentials_working(org: Organization) -> None:
    owner = org.owner
    name = unique("graced")
    first = owner.service_account.create(name=name)
    second = owner.service_account.rotate_api_keys(name=name, grace_period_seconds=600)
    org.client(first).me()
    org.client(second).me()
    (old,) = owner.api_key.list(last_six=first[-6:])
    assert old.expires_at is not None, "the grace's end shows as the older key's expiry"
    # A rotation without grace ends the running one at once.
    third = owner.service_account.rotate_api_keys(name=name)
    for ended in (first, second):
        with pytest.raises(UnauthorizedError):
            org.client(ended).me()
    org.client(third).me()

    user, cli = owner.user.add(unique("dev") + "@example.com")
    new_cli = owner.user.rotate_cli_token(user.id, grace_period_seconds=600)
    org.client(cli).me()
    org.client(new_cli).me()
    with pytest.raises(ValidationFailedError):
        owner.service_account.rotate_api_keys(name=name, grace_period_seconds=86401)


def test_rotating_ones_own_cli_token_with_a_grace_keeps_the_old_one(org: Organization) -> None:
    me = org.client(org.owner_token)
    new = me.user.rotate_own(grace_period_seconds=300)
    assert me.me().email == org.owner_email, "the client switched to the new token"
    org.client(org.owner_token).me()
    org.client(new).me()


def test_rolling_one_key_leaves_its_siblings_alone(org: Organization) -> None:
    owner = org.owner
    name = unique("rolling")
    sibling = owner.service_account.create(name=name)
    key = owner.service_account.create_api_key(name=name, description="deploys")
    (info,) = owner.api_key.list(last_six=key[-6:])
    successor = owner.api_key.roll(info.id, grace_period_seconds=60)
    assert isinstance(successor, str)
    assert repr(successor) != successor, "the new key is masked in its repr"
    for works in (sibling, key, successor):
        org.client(works).me()
    (new,) = owner.api_key.list(last_six=successor[-6:])
    assert new.description == "deploys"
    with pytest.raises(ConflictError):
        owner.api_key.roll(info.id)

    # Without a grace the rolled key stops at once.
    (new_info,) = owner.api_key.list(last_six=successor[-6:])
    latest = owner.api_key.roll(new_info.id)
    with pytest.raises(UnauthorizedError):
        org.client(successor).me()
    org.client(latest).me()
    org.client(sibling).me()


def test_suspension_refuses_every_credential_until_it_is_lifted(org: Organization) -> None:
    owner = org.owner
    name = unique("suspended")
    key = owner.service_account.create(name=name)
    account = owner.service_account.suspend(name=name)
    assert account.suspended is True
    assert owner.service_account.get(name=name).suspended is True
    with pytest.raises(UnauthorizedError):
        org.client(key).me()
    assert owner.service_account.unsuspend(name=name).suspended is False
    org.client(key).me()

    user, cli = owner.user.add(unique("suspended") + "@example.com")
    assert user.suspended is False
    assert owner.user.suspend(user.id).suspended is True
    with pytest.raises(UnauthorizedError):
        org.client(cli).me()
    assert owner.user.unsuspend(user.id).suspended is False
    org.client(cli).me()
    # The last OWNER cannot be suspended: no one would be left to lift it.
    with pytest.raises(ConflictError):
        owner.user.suspend(owner.me().id)


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.close()


def test_a_grace_is_sent_only_when_given(stub: Stub) -> None:
    client = latchkey.Client(api_url=stub.url, token="lku_" + "x" * 40, timeout=2)
    stub.answer = Answer(200, {"api_key": "lks_x", "cli_token": "lku_y"})
    client.api_key.roll("k1")
    client.api_key.roll("k1", grace_period_seconds=0)
    client.service_account.rotate_api_keys(name="bot", grace_period_seconds=60, description="d")
    client.user.rotate_cli_token("u1", grace_period_seconds=5)
    bodies = [json.loads(seen.body) if seen.body else None for seen in stub.seen]
    assert bodies == [
        None,
        {"grace_period_seconds": 0},
        {"description": "d", "grace_period_seconds": 60},
        {"grace_period_seconds": 5},
    ]
    assert [seen.path for seen in stub.seen][:2] == ["/api/v1/api-keys/k1/rotate"] * 2
    with pytest.raises(TypeError):
        client.api_key.roll("k1", grace_period_seconds=1.5)  # type: ignore[arg-type]
