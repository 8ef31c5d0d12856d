"""The API's closed sets of values, as enums (members are also `str`, equal to their value)."""

from __future__ import annotations

from enum import Enum


class _StrEnum(str, Enum):
    # `str()` and f-strings give the value on every Python version (3.11 changed what
    # `format()` of a str-mixin enum gives).
    def __str__(self) -> str:
        return str(self.value)


class OrganizationPermissionLevel(_StrEnum):
    """The organization permission level of a user or a service account."""

    OWNER = "OWNER"
    """Everything inside its own organization."""
    COLLABORATOR = "COLLABORATOR"
    """The default: reads, and its own credentials."""


class PrincipalType(_StrEnum):
    """Who a credential belongs to."""

    USER = "user"
    SERVICE_ACCOUNT = "service_account"


class CredentialKind(_StrEnum):
    """The three kinds of latchkey credential."""

    CLI_TOKEN = "cli_token"
    """A user's persistent credential (`lku_…`)."""
    API_KEY = "api_key"
    """A service account's credential (`lks_…`)."""
    ACCESS_TOKEN = "access_token"
    """A user's expiring credential (`lka_…`)."""


class CredentialStatus(_StrEnum):
    """Whether a credential works now."""

    ACTIVE = "active"
    DISABLED = "disabled"
    REVOKED = "revoked"
    EXPIRED = "expired"


TOKEN_CREATOR = "TokenCreator"
"""The role that lets a user create access tokens for itself."""
