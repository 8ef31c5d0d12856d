"""What the SDK sends and how it reads answers the real server never gives, against a
scripted loopback server: future problem codes, proxies' pages, redirects, bad bodies."""

from __future__ import annotations

import pickle
from typing import Iterator, Type

import pytest

import latchkey
from latchkey import (
    ApiConnectionError,
    ApiError,
    ForbiddenError,
    InsufficientScopeError,
    InternalError,
    InvalidResponseError,
    RateLimitedError,
    UnavailableError,
)

from stub import Answer, Stub

TOKEN = "lku_" + "S3cr3t" * 15 + "Abc"


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.close()


@pytest.fixture
def client(stub: Stub) -> latchkey.Client:
    return latchkey.Client(api_url=stub.url + "/", token=TOKEN, timeout=2)


def problem(status: int, code: str, **extra: object) -> Answer:
    body = {
        "type": f"urn:latchkey:problem:{code}",
        "title": "T",
        "status": status,
        "detail": "D",
        "code": code,
    }
    body.update(extra)
    return Answer(status, body, {"Content-Type": "application/problem+json"})


def test_requests_carry_the_token_only_in_the_authorization_header(
    stub: Stub, client: latchkey.Client
) -> None:
    stub.answer = Answer(200, {"items": [], "next_cursor": None})
    client.api_key.list(service_account_email="ci+x@org-1.serviceaccount.com", last_six="a/b c+", max_items=5)
    seen = stub.last()
    assert seen is not None
    assert seen.method == "GET"
    assert seen.path == (
        "/api/v1/api-keys?show_inactive=false&service_account_email=ci%2Bx%40org-1.serviceaccount.com"
        "&last_six=a%2Fb%20c%2B&max_items=5"
    )
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["User-Agent"].startswith("latchkey-python/")
    assert TOKEN not in seen.path


def test_path_segments_are_escaped(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(204)
    client.service_account.delete(email="a+b@org-1.serviceaccount.com")
    client.service_account.revoke_api_keys(name="x/../y")
    assert [seen.path for seen in stub.seen] == [
        "/api/v1/service-accounts/a%2Bb%40org-1.serviceaccount.com",
        "/api/v1/service-accounts/x%2F..%2Fy/api-keys",
    ]


def test_bodies_are_json_and_empty_posts_have_none(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(201, {"api_key": "lks_x"})
    client.service_account.create(name="bot", permission_level="OWNER")
    client.service_account.create_api_key(name="bot")
    create, new_key = stub.seen
    assert create.headers["Content-Type"] == "application/json"
    assert create.body == b'{"name": "bot", "permission_level": "OWNER"}'
    assert new_key.method == "POST"
    assert new_key.body == b""


def test_health_sends_no_token(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(200, {"status": "ok"})
    assert client.health() == "ok"
    seen = stub.last()
    assert seen is not None
    assert "Authorization" not in seen.headers


def test_insufficient_scope_carries_required_scope(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = problem(403, "insufficient_scope", required_scope="latchkey:read")
    with pytest.raises(InsufficientScopeError) as caught:
        client.me()
    error = caught.value
    assert isinstance(error, ForbiddenError)
    assert error.required_scope == "latchkey:read"
    assert error.extra == {"required_scope": "latchkey:read"}
    assert error.problem["required_scope"] == "latchkey:read"
    assert (error.status, error.code, error.title, error.detail) == (403, "insufficient_scope", "T", "D")


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (429, "rate_limited", RateLimitedError),
        (500, "internal", InternalError),
        (503, "unavailable", UnavailableError),
    ],
)
def test_every_code_has_its_class(
    stub: Stub, client: latchkey.Client, status: int, code: str, cls: Type[ApiError]
) -> None:
    stub.answer = problem(status, code)
    stub.answer.headers["Retry-After"] = "3"
    with pytest.raises(cls) as caught:
        client.me()
    assert type(caught.value) is cls
    assert caught.value.code == code
    assert caught.value.retry_after == 3


def test_an_answer_without_problem_details_still_has_a_class(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
    with pytest.raises(UnavailableError) as unavailable:
        client.me()
    assert unavailable.value.code == "unavailable"
    assert unavailable.value.title == "Service Unavailable"
    assert unavailable.value.detail == "HTTP 503 without problem details"

    stub.answer = Answer(502, b"Bad Gateway", {"Content-Type": "text/plain"})
    with pytest.raises(InternalError) as bad_gateway:
        client.me()
    assert (bad_gateway.value.status, bad_gateway.value.code) == (502, "internal")

    stub.answer = Answer(418, {"message": "no problem object"})
    with pytest.raises(ApiError) as teapot:
        client.me()
    assert type(teapot.value) is ApiError
    assert teapot.value.status == 418


def test_a_future_code_gets_the_class_of_its_status(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = problem(403, "organization_suspended")
    with pytest.raises(ForbiddenError) as caught:
        client.me()
    assert caught.value.code == "organization_suspended"
    stub.answer = problem(418, "teapot")
    with pytest.raises(ApiError) as teapot:
        client.me()
    assert type(teapot.value) is ApiError
    assert teapot.value.code == "teapot"


def test_errors_pickle(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = problem(403, "insufficient_scope", required_scope="latchkey:audit")
    with pytest.raises(InsufficientScopeError) as caught:
        client.me()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is InsufficientScopeError
    assert copy.required_scope == "latchkey:audit"
    assert str(copy) == str(caught.value)


def test_redirects_are_not_followed_and_never_get_the_token(stub: Stub, client: latchkey.Client) -> None:
    elsewhere = Stub()
    try:
        stub.answer = Answer(302, b"", {"Location": f"{elsewhere.url}/api/v1/me"})
        with pytest.raises(ApiError) as caught:
            client.me()
        assert caught.value.status == 302
        assert caught.value.code == "redirect"
        assert elsewhere.url in caught.value.detail
        assert elsewhere.seen == []
    finally:
        elsewhere.close()


def test_bodies_that_are_not_what_the_api_documents(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(200, b"<html>", {"Content-Type": "text/html"})
    with pytest.raises(InvalidResponseError, match="not JSON"):
        client.me()

    # A malformed answer that holds a credential: the error names the field, never the value.
    secret = "lka_" + "Leaked" * 15 + "xyz"
    stub.answer = Answer(201, {"token": secret, "token_info": {"id": "1", "kind": "access_token"}})
    with pytest.raises(InvalidResponseError) as caught:
        client.token.create()
    assert "owner_id" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret not in str(caught.value.__cause__)

    stub.answer = Answer(200, {"items": "nope"})
    with pytest.raises(InvalidResponseError, match="items"):
        client.user.list()


def test_a_cursor_that_repeats_stops_the_listing(stub: Stub, client: latchkey.Client) -> None:
    stub.answer = Answer(200, {"items": [], "next_cursor": "same"})
    with pytest.raises(InvalidResponseError, match="same cursor"):
        client.user.list(max_items=None)
    assert len(stub.seen) == 2


def test_a_slow_api_times_out(stub: Stub) -> None:
    stub.answer = Answer(200, {"status": "ok"}, delay=2)
    client = latchkey.Client(api_url=stub.url, token=TOKEN, timeout=0.3)
    with pytest.raises(ApiConnectionError):
        client.health()
