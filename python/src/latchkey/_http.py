"""One HTTP exchange with the API, over the standard library's urllib.

Why no third-party HTTP client: the SDK makes plain synchronous JSON requests, and with
none it installs anywhere without pinning a version of anybody else's dependency.

The token goes only into the Authorization header, which is never sent again to where a
redirect points: redirects are not followed at all (the API never redirects a correct
URL) and become an `ApiError` that says where they pointed.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from ._version import __version__
from .errors import ApiConnectionError, ApiError, InvalidResponseError, error_from_response

BASE_PATH = "/api/v1"
USER_AGENT = f"latchkey-python/{__version__}"

Query = Sequence[Tuple[str, str]]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def path_segment(value: str) -> str:
    """`value` escaped to be one path segment (an email's `@`, a `/`, all escaped)."""
    if value in ("", ".", ".."):
        raise ValueError(f"{value!r} cannot name an object")
    return quote(value, safe="")


def _query_string(query: Query) -> str:
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in query)


def _retry_after(headers: Optional[Message]) -> Optional[int]:
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return None


class Transport:
    """Sends requests to one API with one token."""

    def __init__(self, api_url: str, token: str, timeout: float) -> None:
        self.api_url = api_url
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects())

    def __repr__(self) -> str:
        return f"Transport(api_url={self.api_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query = (),
        body: Optional[Mapping[str, Any]] = None,
        authenticated: bool = True,
    ) -> Any:
        """The parsed JSON of a 2xx answer (None when it has no body); raises otherwise."""
        url = f"{self.api_url}{BASE_PATH}{path}"
        if query:
            url = f"{url}?{_query_string(query)}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - the URL is checked to be http(s)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if authenticated:
            # An "unredirected" header is never copied onto a redirect's request.
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        where = f"{method} {BASE_PATH}{path}"
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                raw = response.read()
        except urllib.error.HTTPError as error:
            with error:
                raw = error.read()
                headers = error.headers
            raise self._error(error.code, raw, headers) from error
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise ApiConnectionError(f"cannot reach the latchkey API at {self.api_url}: {reason}") from error
        if status == 204 or not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            # Not chained: the decoder's error keeps the whole body, which may hold a token.
            raise InvalidResponseError(f"{where}: HTTP {status} with a body that is not JSON") from None

    def _error(self, status: int, raw: bytes, headers: Optional[Message]) -> ApiError:
        if 300 <= status < 400:
            location = headers.get("Location") if headers is not None else None
            return ApiError(
                status=status,
                code="redirect",
                title="Unexpected redirect",
                detail=(
                    f"the API answered with a redirect to {location or 'nowhere'}, which the SDK "
                    "does not follow; check the API URL"
                ),
            )
        return error_from_response(status, raw, _retry_after(headers))
