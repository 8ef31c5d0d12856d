"""The API's objects as dataclasses.

Each has `to_dict()` (the JSON shape the API uses: RFC 3339 strings, enum values) and
`from_dict()` (which ignores fields it does not know, so responses of newer servers still
parse). Datetimes are timezone-aware, in UTC. Permission levels, credential kinds and
statuses are enum members, never bare strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, NamedTuple, Optional

from ._audit_models import AuditActor, AuditEvent, AuditRequest, AuditTarget
from ._enums import (
    TOKEN_CREATOR,
    CredentialKind,
    CredentialStatus,
    OrganizationPermissionLevel,
    PrincipalType,
)
from ._fields import (
    opt_bool,
    opt_str,
    opt_str_list,
    opt_time,
    req_enum,
    req_object,
    req_str,
    req_time,
    str_list,
    time_or_none,
)
from ._organization_models import Organization, OrganizationPolicy
from ._secret import Secret, mask
from ._time import format_timestamp

__all__ = [
    "TOKEN_CREATOR",
    "AuditActor",
    "AuditEvent",
    "AuditRequest",
    "AuditTarget",
    "CreatedUser",
    "CredentialInfo",
    "CredentialKind",
    "CredentialStatus",
    "IssuedAccessToken",
    "Me",
    "MeCredential",
    "Organization",
    "OrganizationPermissionLevel",
    "OrganizationPolicy",
    "PrincipalType",
    "ServiceAccount",
    "User",
]


@dataclass
class ServiceAccount:
    """A non-human member of the organization."""

    id: str
    name: str
    """1-63 characters of a-z, 0-9 and '-', unique in the organization."""
    email: str
    """`<name>@org-<organization id>.<service-account domain>`."""
    permission_level: OrganizationPermissionLevel
    created_at: datetime
    created_by: Optional[str] = None
    """The id of the principal that created it."""
    suspended: bool = False
    """Suspended: none of its API keys is accepted until it is unsuspended."""

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "permission_level": self.permission_level.value,
            "created_at": format_timestamp(self.created_at),
            "created_by": self.created_by,
            "suspended": self.suspended,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceAccount:
        return cls(
            id=req_str(data, "id"),
            name=req_str(data, "name"),
            email=req_str(data, "email"),
            permission_level=req_enum(data, "permission_level", OrganizationPermissionLevel),
            created_at=req_time(data, "created_at"),
            created_by=opt_str(data, "created_by"),
            suspended=opt_bool(data, "suspended"),
        )


@dataclass
class User:
    """A human member of the organization."""

    id: str
    email: str
    name: str
    permission_level: OrganizationPermissionLevel
    created_at: datetime
    roles: List[str] = field(default_factory=list)
    """Today at most `TokenCreator`."""
    created_by: Optional[str] = None
    """The id of the principal that added it; None for the organization's first owner."""
    suspended: bool = False
    """Suspended: none of its credentials is accepted until it is unsuspended."""

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "permission_level": self.permission_level.value,
            "roles": list(self.roles),
            "created_at": format_timestamp(self.created_at),
            "created_by": self.created_by,
            "suspended": self.suspended,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        return cls(
            id=req_str(data, "id"),
            email=req_str(data, "email"),
            name=req_str(data, "name"),
            permission_level=req_enum(data, "permission_level", OrganizationPermissionLevel),
            roles=str_list(data, "roles"),
            created_at=req_time(data, "created_at"),
            created_by=opt_str(data, "created_by"),
            suspended=opt_bool(data, "suspended"),
        )


@dataclass
class CredentialInfo:
    """Metadata of a credential (an API key's `key`, an access token's `token_info`).

    Never the credential itself: that is shown once, when it is created.
    """

    id: str
    kind: CredentialKind
    owner_id: str
    owner_email: str
    last_six: str
    """The credential's last six characters, by which people recognise it."""
    created_at: datetime
    status: CredentialStatus
    description: Optional[str] = None
    created_by: Optional[str] = None
    """The creating principal's id; None for what an operator action created."""
    expires_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    last_used_at: Optional[datetime] = None
    # Fields of later server releases (credential lifecycle, scopes, IP ranges): None
    # when the server does not send them.
    revoked_reason: Optional[str] = None
    """Why it stopped: revoked, revoked_all, rotated, owner_removed or leaked."""
    last_used_ip: Optional[str] = None
    """The source IP of the request that last recorded `last_used_at`."""
    disabled_at: Optional[datetime] = None
    disabled_by: Optional[str] = None
    """Who disabled it (a principal id); None while it is enabled."""
    scopes: Optional[List[str]] = None
    allowed_ip_ranges: Optional[List[str]] = None

    @property
    def is_active(self) -> bool:
        return self.status is CredentialStatus.ACTIVE

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "owner_id": self.owner_id,
            "owner_email": self.owner_email,
            "description": self.description,
            "last_six": self.last_six,
            "created_at": format_timestamp(self.created_at),
            "created_by": self.created_by,
            "expires_at": time_or_none(self.expires_at),
            "revoked_at": time_or_none(self.revoked_at),
            "revoked_reason": self.revoked_reason,
            "last_used_at": time_or_none(self.last_used_at),
            "last_used_ip": self.last_used_ip,
            "disabled_at": time_or_none(self.disabled_at),
            "disabled_by": self.disabled_by,
            "scopes": None if self.scopes is None else list(self.scopes),
            "allowed_ip_ranges": None if self.allowed_ip_ranges is None else list(self.allowed_ip_ranges),
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CredentialInfo:
        return cls(
            id=req_str(data, "id"),
            kind=req_enum(data, "kind", CredentialKind),
            owner_id=req_str(data, "owner_id"),
            owner_email=req_str(data, "owner_email"),
            description=opt_str(data, "description"),
            last_six=req_str(data, "last_six"),
            created_at=req_time(data, "created_at"),
            created_by=opt_str(data, "created_by"),
            expires_at=opt_time(data, "expires_at"),
            revoked_at=opt_time(data, "revoked_at"),
            revoked_reason=opt_str(data, "revoked_reason"),
            last_used_at=opt_time(data, "last_used_at"),
            last_used_ip=opt_str(data, "last_used_ip"),
            disabled_at=opt_time(data, "disabled_at"),
            disabled_by=opt_str(data, "disabled_by"),
            scopes=opt_str_list(data, "scopes"),
            allowed_ip_ranges=opt_str_list(data, "allowed_ip_ranges"),
            status=req_enum(data, "status", CredentialStatus),
        )


@dataclass
class MeCredential:
    """The credential a request to `/me` was made with."""

    id: str
    kind: CredentialKind
    last_six: str
    expires_at: Optional[datetime] = None
    scopes: Optional[List[str]] = None
    """The credential's scopes; None: unscoped (its principal's whole power)."""

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "last_six": self.last_six,
            "expires_at": time_or_none(self.expires_at),
            "scopes": None if self.scopes is None else list(self.scopes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MeCredential:
        return cls(
            id=req_str(data, "id"),
            kind=req_enum(data, "kind", CredentialKind),
            last_six=req_str(data, "last_six"),
            expires_at=opt_time(data, "expires_at"),
            scopes=opt_str_list(data, "scopes"),
        )


@dataclass
class Me:
    """The calling principal, as `GET /me` shows it."""

    principal_type: PrincipalType
    id: str
    email: str
    organization_id: str
    permission_level: OrganizationPermissionLevel
    credential: MeCredential
    roles: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "principal_type": self.principal_type.value,
            "id": self.id,
            "email": self.email,
            "organization_id": self.organization_id,
            "permission_level": self.permission_level.value,
            "roles": list(self.roles),
            "credential": self.credential.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Me:
        return cls(
            principal_type=req_enum(data, "principal_type", PrincipalType),
            id=req_str(data, "id"),
            email=req_str(data, "email"),
            organization_id=req_str(data, "organization_id"),
            permission_level=req_enum(data, "permission_level", OrganizationPermissionLevel),
            roles=str_list(data, "roles"),
            credential=MeCredential.from_dict(req_object(data, "credential")),
        )


class IssuedAccessToken(NamedTuple):
    """A new access token: its metadata and the token, which is shown only this once.

    Unpack it (`info, token = latchkey.token.create(...)`) or use the fields. Its repr and
    str mask the token.
    """

    token_info: CredentialInfo
    token: str

    def __repr__(self) -> str:
        return f"IssuedAccessToken(token_info={self.token_info!r}, token={mask(self.token)})"

    def __str__(self) -> str:
        return self.__repr__()

    def to_dict(self) -> Dict[str, Any]:
        """The API's shape, token included: treat the result as a secret."""
        return {"token_info": self.token_info.to_dict(), "token": str(self.token)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IssuedAccessToken:
        return cls(
            token_info=CredentialInfo.from_dict(req_object(data, "token_info")),
            token=Secret(req_str(data, "token")),
        )


class CreatedUser(NamedTuple):
    """A new user and its first CLI token, which is shown only this once.

    Unpack it (`user, cli_token = latchkey.user.add(...)`) or use the fields. Its repr and
    str mask the token.
    """

    user: User
    cli_token: str

    def __repr__(self) -> str:
        return f"CreatedUser(user={self.user!r}, cli_token={mask(self.cli_token)})"

    def __str__(self) -> str:
        return self.__repr__()

    def to_dict(self) -> Dict[str, Any]:
        """The API's shape, token included: treat the result as a secret."""
        return {"user": self.user.to_dict(), "cli_token": str(self.cli_token)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CreatedUser:
        return cls(
            user=User.from_dict(req_object(data, "user")),
            cli_token=Secret(req_str(data, "cli_token")),
        )


@dataclass
class Verification:
    """The answer of `POST /verify`: whether a token is a valid credential of the caller's
    organization and, when it is, whose (`principal`, as `/me` shows it, without its
    credential) and which (`credential`).

    `code` is `valid`, `malformed`, `not_found` (also a wrong secret, and another
    organization's token), `revoked`, `expired`, `disabled` or `ip_not_allowed`.
    """

    valid: bool
    code: str
    principal: Optional[Dict[str, Any]] = None
    credential: Optional[MeCredential] = None

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "valid": self.valid,
            "code": self.code,
            "principal": None if self.principal is None else dict(self.principal),
            "credential": None if self.credential is None else self.credential.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verification:
        valid = data.get("valid")
        if not isinstance(valid, bool):
            raise ValueError("valid: expected a boolean")
        principal = data.get("principal")
        credential = data.get("credential")
        return cls(
            valid=valid,
            code=req_str(data, "code"),
            principal=None if principal is None else dict(req_object(data, "principal")),
            credential=None if credential is None else MeCredential.from_dict(req_object(data, "credential")),
        )
