"""Each problem code of the real server raises its own class, carrying the problem."""

from __future__ import annotations

import uuid

import pytest

import latchkey
from latchkey import (
    ApiError,
    ConflictError,
    ForbiddenError,
    InsufficientScopeError,
    LatchkeyError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
    ValidationFailedError,
)

from support import Organization, unique


def test_404_is_not_found_error_with_the_problem(org: Organization) -> None:
    with pytest.raises(NotFoundError) as caught:
        org.owner.user.get(uuid.uuid4())
    error = caught.value
    assert isinstance(error, ApiError)
    assert isinstance(error, LatchkeyError)
    assert error.status == 404
    assert error.code == "not_found"
    assert error.title == "Not found"
    assert error.detail == "no such resource"
    assert error.type == "urn:latchkey:problem:not_found"
    assert error.extra == {}
    assert error.problem == {
        "type": "urn:latchkey:problem:not_found",
        "title": "Not found",
        "status": 404,
        "detail": "no such resource",
        "code": "not_found",
    }
    assert "no such resource" in str(error)
    assert "404" in str(error)


def test_409_is_conflict_error(org: Organization) -> None:
    name = unique("twice")
    org.owner.service_account.create(name=name)
    with pytest.raises(ConflictError) as caught:
        org.owner.service_account.create(name=name)
    assert caught.value.status == 409
    assert caught.value.code == "conflict"
    assert "already exists" in caught.value.detail


def test_400_is_validation_failed_error(org: Organization) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        org.owner.service_account.create(name="Not A Valid Name")
    assert caught.value.status == 400
    assert caught.value.code == "validation_failed"
    assert caught.value.type == "urn:latchkey:problem:validation_failed"
    # Nothing was created.
    assert org.owner.service_account.list() == []


def test_403_is_forbidden_error(org: Organization) -> None:
    _, collaborator_token = org.owner.user.add(f"{unique('collab')}@example.com")
    with pytest.raises(ForbiddenError) as caught:
        org.client(collaborator_token).service_account.list()
    assert type(caught.value) is ForbiddenError
    assert not isinstance(caught.value, InsufficientScopeError)
    assert caught.value.status == 403
    assert caught.value.code == "forbidden"
    assert "OWNER" in caught.value.detail


def test_401_is_unauthorized_error(org: Organization) -> None:
    forged = "lku_" + "A" * 93
    with pytest.raises(UnauthorizedError) as caught:
        org.client(forged).me()
    assert caught.value.status == 401
    assert caught.value.code == "unauthorized"
    assert caught.value.type == "urn:latchkey:problem:unauthorized"
    assert forged not in str(caught.value)
    assert forged not in repr(caught.value)


def test_413_is_payload_too_large_error(org: Organization) -> None:
    with pytest.raises(PayloadTooLargeError) as caught:
        org.owner.token.create(description="x" * (70 * 1024))
    assert caught.value.status == 413
    assert caught.value.code == "payload_too_large"


def test_unreachable_api_is_a_connection_error() -> None:
    client = latchkey.Client(api_url="http://127.0.0.1:9", token="lku_" + "A" * 93)
    with pytest.raises(latchkey.ApiConnectionError) as caught:
        client.me()
    assert "127.0.0.1:9" in str(caught.value)
    assert caught.value.__cause__ is not None
