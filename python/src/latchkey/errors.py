"""Every error the SDK raises derives from `LatchkeyError`.

An error answer of the API is an `ApiError`, one subclass per problem code of the API
(RFC 9457 problem+json with a stable `code`): `NotFoundError` for `not_found`,
`ValidationFailedError` for `validation_failed`, and so on. Each carries the problem's
fields (`status`, `code`, `title`, `detail`, `type`) and any further member the server
sent (`extra`, e.g. `required_scope`). An error answer without problem details (from a
proxy, say) still raises the class its HTTP status stands for.

No error message ever holds a credential: the server never echoes one, and the SDK
names fields, never their values.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Type

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsFileError",
    "CredentialsFilePermissionError",
    "ForbiddenError",
    "InsufficientScopeError",
    "InternalError",
    "InvalidResponseError",
    "LatchkeyError",
    "NoCredentialsError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "UnauthorizedError",
    "UnavailableError",
    "ValidationFailedError",
]


class LatchkeyError(Exception):
    """Base class of every error of the latchkey SDK."""


class ConfigurationError(LatchkeyError):
    """The client cannot be set up as asked: a bad API URL or token, no HOME."""


class NoCredentialsError(ConfigurationError):
    """No token: none given, `LATCHKEY_CLI_TOKEN` unset and no credentials file."""

    def __init__(self, message: Optional[str] = None) -> None:
        super().__init__(
            message or "no credentials: run `latchkey login`, set LATCHKEY_CLI_TOKEN or pass token="
        )


class CredentialsFileError(ConfigurationError):
    """The credentials file (`~/.latchkey/credentials.json`) cannot be read or written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"credentials file {path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


class CredentialsFilePermissionError(CredentialsFileError):
    """The credentials file can be read by group or others, so it is not used.

    A token that other users could read must be assumed leaked; the CLI refuses such a
    file too.
    """

    def __init__(self, path: Path, reason: Optional[str] = None) -> None:
        super().__init__(path, reason or f"is accessible by other users; run `chmod 600 {path}`")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


class ApiConnectionError(LatchkeyError):
    """No answer from the API: connection refused, DNS, TLS, or a timeout."""


class InvalidResponseError(LatchkeyError):
    """A successful answer whose body is not what the API documents."""


class ApiError(LatchkeyError):
    """The API answered with an error status and (usually) RFC 9457 problem details."""

    #: The problem code this class stands for; `code` is what the server actually sent.
    default_code = ""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        type: str = "about:blank",
        extra: Optional[Mapping[str, Any]] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(f"{title}: {detail} (HTTP {status}, {code})")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.type = type
        self.extra: Dict[str, Any] = dict(extra or {})
        """Members of the problem beyond the five standard ones."""
        self.retry_after = retry_after
        """Seconds to wait before retrying, from the `Retry-After` header, if any."""

    @property
    def problem(self) -> Dict[str, Any]:
        """The problem details as the server sent them (or as the SDK made them up)."""
        problem: Dict[str, Any] = dict(self.extra)
        problem.update(
            type=self.type, title=self.title, status=self.status, detail=self.detail, code=self.code
        )
        return problem

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, detail={self.detail!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (
            type(self),
            (self.status, self.code, self.title, self.detail, self.type, self.extra, self.retry_after),
        )


class ValidationFailedError(ApiError):
    """400 `validation_failed`: a malformed or unknown field, parameter or cursor."""

    default_code = "validation_failed"


class UnauthorizedError(ApiError):
    """401 `unauthorized`: no, a malformed, unknown, revoked or expired credential."""

    default_code = "unauthorized"


class ForbiddenError(ApiError):
    """403 `forbidden`: the caller may not do this."""

    default_code = "forbidden"


class InsufficientScopeError(ForbiddenError):
    """403 `insufficient_scope`: the credential's scopes do not cover the route."""

    default_code = "insufficient_scope"

    @property
    def required_scope(self) -> Optional[str]:
        value = self.extra.get("required_scope")
        return value if isinstance(value, str) else None


class NotFoundError(ApiError):
    """404 `not_found`: no such object in the caller's organization."""

    default_code = "not_found"


class ConflictError(ApiError):
    """409 `conflict`: a name in use, the last-owner rule, or a concurrent change."""

    default_code = "conflict"


class PayloadTooLargeError(ApiError):
    """413 `payload_too_large`: a request body over 64 KiB."""

    default_code = "payload_too_large"


class RateLimitedError(ApiError):
    """429 `rate_limited`: retry after `retry_after` seconds."""

    default_code = "rate_limited"


class InternalError(ApiError):
    """500 `internal`: a failure on the server's side."""

    default_code = "internal"


class UnavailableError(ApiError):
    """503 `unavailable`: the service or its store is briefly unavailable; retry."""

    default_code = "unavailable"


_BY_CODE: Dict[str, Type[ApiError]] = {
    cls.default_code: cls
    for cls in (
        ValidationFailedError,
        UnauthorizedError,
        ForbiddenError,
        InsufficientScopeError,
        NotFoundError,
        ConflictError,
        PayloadTooLargeError,
        RateLimitedError,
        InternalError,
        UnavailableError,
    )
}

# The code an HTTP status stands for when the body is not a problem, as in the Rust SDK;
# another 5xx is `internal`, another status a plain `ApiError` coded `http_error`.
_CODE_BY_STATUS = {
    400: "validation_failed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    503: "unavailable",
}


def _code_of_status(status: int) -> str:
    return _CODE_BY_STATUS.get(status) or ("internal" if status >= 500 else "http_error")


_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "code"})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_from_response(status: int, body: bytes, retry_after: Optional[int] = None) -> ApiError:
    """The error for an error answer: its problem details, else what its status means.

    A code this SDK does not know yet (from a newer server) gets the class of its HTTP
    status, and keeps its own `code`.
    """
    problem = _problem(body)
    if problem is None:
        code = _code_of_status(status)
        return _BY_CODE.get(code, ApiError)(
            status=status,
            code=code,
            title=_reason(status),
            detail=f"HTTP {status} without problem details",
            retry_after=retry_after,
        )
    code = problem["code"]
    cls = _BY_CODE.get(code) or _BY_CODE.get(_code_of_status(status), ApiError)
    title = problem.get("title")
    detail = problem.get("detail")
    problem_type = problem.get("type")
    return cls(
        status=status,
        code=code,
        title=title if isinstance(title, str) else _reason(status),
        detail=detail if isinstance(detail, str) else "",
        type=problem_type if isinstance(problem_type, str) else "about:blank",
        extra={key: value for key, value in problem.items() if key not in _STANDARD_MEMBERS},
        retry_after=retry_after,
    )


def _problem(body: bytes) -> Optional[Dict[str, Any]]:
    """The body as a problem object, if it is one (a JSON object with a string `code`)."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(parsed, dict) and isinstance(parsed.get("code"), str) and parsed["code"]:
        return parsed
    return None
