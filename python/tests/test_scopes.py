"""Scopes and verify (SPEC section 9), end to end against the real server."""

from __future__ import annotations

import pytest

import latchkey
from latchkey import ForbiddenError, InsufficientScopeError, ValidationFailedError

from support import Organization, unique


def test_scoped_keys_rotation_and_verify(org: Organization) -> None:
    owner = org.owner
    name = unique("robot")
    owner.service_account.create(name=name, permission_level="OWNER")

    key = owner.service_account.create_api_key(name=name, scopes=["latchkey:read", "orders:read"])
    robot = org.client(key)
    assert robot.me().credential.scopes == ["latchkey:read", "orders:read"]
    assert owner.me().credential.scopes is None
    # Within its scopes it reads; anything else is refused, naming the scope it lacks.
    assert robot.service_account.list(max_items=5)
    with pytest.raises(InsufficientScopeError) as refused:
        robot.service_account.create(name=unique("other"))
    assert refused.value.required_scope == "latchkey:service-accounts"
    # A scoped key never creates a wider one.
    admin_key = owner.service_account.create_api_key(name=name, scopes=["latchkey:service-accounts"])
    with pytest.raises(ForbiddenError):
        org.client(admin_key).service_account.create_api_key(name=name, scopes=["orders:read"])
    with pytest.raises(ValidationFailedError):
        owner.service_account.create_api_key(name=name, scopes=["latchkey:nope"])
    with pytest.raises(TypeError):
        owner.service_account.create_api_key(name=name, scopes="orders:read")

    # A rotation that names none keeps the newest replaced key's scopes.
    rotated = owner.service_account.rotate_api_keys(name=name)
    assert org.client(rotated).me().credential.scopes == ["latchkey:service-accounts"]
    rotated = owner.service_account.rotate_api_keys(name=name, scopes=[])
    assert org.client(rotated).me().credential.scopes == []
    listed = owner.service_account.list_api_keys(name=name)
    assert [k.scopes for k in listed] == [[]]

    info, token = owner.token.create(expiration_days=1, scopes=["orders:write"])
    assert info.scopes == ["orders:write"]

    # verify: valid with the credential's scopes, or a code.
    verified = owner.verify(str(token), source_ip="198.51.100.7")
    assert verified.valid
    assert verified.code == "valid"
    assert verified.credential is not None
    assert verified.credential.scopes == ["orders:write"]
    assert verified.principal is not None
    assert verified.principal["id"] == owner.me().id
    assert owner.verify(str(key)).code == "revoked"
    garbage = owner.verify("garbage")
    assert (garbage.valid, garbage.code, garbage.principal, garbage.credential) == (
        False,
        "malformed",
        None,
        None,
    )
    with pytest.raises(InsufficientScopeError):
        org.client(rotated).verify(str(token))


def test_module_verify(org: Organization) -> None:
    latchkey.set_default_client(org.owner)
    try:
        assert latchkey.verify("garbage").code == "malformed"
    finally:
        latchkey.set_default_client(None)
