"""latchkey: the Python SDK of the latchkey credential service.

    import latchkey

    api_key = latchkey.service_account.create(name="ci-deployer")
    print(latchkey.me().email)

Module functions (`latchkey.me()`, `latchkey.service_account.*`, `latchkey.api_key.*`,
`latchkey.token.*`, `latchkey.user.*`, `latchkey.organization.*`, `latchkey.audit.*`) use a
default client configured like the `latchkey` CLI: `LATCHKEY_API_URL` (default
http://127.0.0.1:8080) and `LATCHKEY_CLI_TOKEN`, else what `latchkey login` stored in
~/.latchkey/credentials.json.
`latchkey.Client(api_url=..., token=...)` has the same namespaces, on a client of your own.

The audit log's calls also go by the names `latchkey.list_audit_events`,
`iter_audit_events` and `get_audit_event`.
"""

from __future__ import annotations

from typing import Optional, Sequence

from . import api_key, audit, models, organization, service_account, token, user
from ._default import get_default_client, set_default_client
from ._enums import (
    TOKEN_CREATOR,
    CredentialKind,
    CredentialStatus,
    OrganizationPermissionLevel,
    PrincipalType,
)
from ._secret import Secret
from ._version import __version__
from .client import Client
from .errors import (
    ApiConnectionError,
    ApiError,
    ConfigurationError,
    ConflictError,
    CredentialsFileError,
    CredentialsFilePermissionError,
    ForbiddenError,
    InsufficientScopeError,
    InternalError,
    InvalidResponseError,
    LatchkeyError,
    NoCredentialsError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    UnauthorizedError,
    UnavailableError,
    ValidationFailedError,
)
from .models import (
    AuditActor,
    AuditEvent,
    AuditRequest,
    AuditTarget,
    CreatedUser,
    CredentialInfo,
    IssuedAccessToken,
    Me,
    MeCredential,
    Organization,
    OrganizationPolicy,
    ServiceAccount,
    User,
    Verification,
)

__all__ = [
    "TOKEN_CREATOR",
    "ApiConnectionError",
    "ApiError",
    "AuditActor",
    "AuditEvent",
    "AuditRequest",
    "AuditTarget",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "CreatedUser",
    "CredentialInfo",
    "CredentialKind",
    "CredentialStatus",
    "CredentialsFileError",
    "CredentialsFilePermissionError",
    "ForbiddenError",
    "InsufficientScopeError",
    "InternalError",
    "InvalidResponseError",
    "IssuedAccessToken",
    "LatchkeyError",
    "Me",
    "MeCredential",
    "NoCredentialsError",
    "NotFoundError",
    "Organization",
    "OrganizationPermissionLevel",
    "OrganizationPolicy",
    "PayloadTooLargeError",
    "PrincipalType",
    "RateLimitedError",
    "Secret",
    "ServiceAccount",
    "UnauthorizedError",
    "UnavailableError",
    "User",
    "ValidationFailedError",
    "Verification",
    "__version__",
    "api_key",
    "audit",
    "get_audit_event",
    "get_default_client",
    "health",
    "iter_audit_events",
    "list_audit_events",
    "me",
    "models",
    "organization",
    "report_leaked_credentials",
    "service_account",
    "set_default_client",
    "token",
    "user",
    "verify",
]


def me() -> Me:
    """The caller (the principal the default client's token belongs to), as `/me` shows it."""
    return get_default_client().me()


def verify(token: str, source_ip: Optional[str] = None) -> Verification:
    """Whether `token` is a valid credential of your organization, and whose (OWNER)."""
    return get_default_client().verify(token, source_ip=source_ip)


def health() -> str:
    """The API's health (`"ok"`)."""
    return get_default_client().health()


def report_leaked_credentials(credentials: Sequence[str]) -> int:
    """Reports leaked credentials for revocation (public; see `Client.report_leaked_credentials`)."""
    return get_default_client().report_leaked_credentials(credentials)


# The audit log's calls under the names of the other SDKs (the Rust SDK's
# `list_audit_events`/`get_audit_event`): the same functions as `latchkey.audit.*`.
list_audit_events = audit.list
iter_audit_events = audit.iter
get_audit_event = audit.get
