"""`/organization`: the caller's organization and its policy (SPEC section 11)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Dict, List, Optional, Sequence, Union

from .._organization_models import Organization
from ._session import Session


class Unchanged(Enum):
    """The default of a policy field that `None` would clear: leave it as it is."""

    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED


class OrganizationApi:
    """The organization, as `client.organization` (and `latchkey.organization`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self) -> Organization:
        """Your organization: its id, name, creation time and policy (any member)."""
        return self._session.fetch("GET", "/organization", Organization.from_dict)

    def update(
        self,
        *,
        access_token_max_days: Optional[int] = None,
        api_key_max_days: Union[int, Unchanged, None] = UNCHANGED,
        allowed_ip_ranges: Optional[Sequence[str]] = None,
    ) -> Organization:
        """Change the policy (OWNER, with a persistent credential: a CLI token or an unscoped
        API key without expiry; ForbiddenError otherwise); return the organization.

        Only what is given changes. `access_token_max_days`: new access tokens expire within
        it. `api_key_max_days`: new API keys expire within it; None: they may never expire.
        `allowed_ip_ranges`: CIDRs (IPv4 or IPv6, a bare address is one host; at most 50)
        that replace the stored ones; `[]`: any address. Limits apply to credentials created
        afterwards; ranges to every credential, from the next request.

        Ranges that leave out the address of this very request are a ConflictError (nothing
        changes): include it, or you would lock yourself out. A malformed range or limit is a
        ValidationFailedError.
        """
        body: Dict[str, Any] = {}
        if access_token_max_days is not None:
            body["access_token_max_days"] = _days("access_token_max_days", access_token_max_days)
        if api_key_max_days is not UNCHANGED:
            body["api_key_max_days"] = (
                None if api_key_max_days is None else _days("api_key_max_days", api_key_max_days)
            )
        if allowed_ip_ranges is not None:
            body["allowed_ip_ranges"] = _ranges(allowed_ip_ranges)
        if not body:
            raise ValueError(
                "nothing to change: give access_token_max_days=, api_key_max_days= and/or allowed_ip_ranges="
            )
        return self._session.fetch("PATCH", "/organization", Organization.from_dict, body={"policy": body})


def _days(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number of days")
    return value


def _ranges(ranges: Sequence[str]) -> List[str]:
    if isinstance(ranges, str):
        # A bare string is a sequence of characters, never meant as ranges.
        raise TypeError('allowed_ip_ranges must be a list of CIDRs, e.g. ["203.0.113.0/24"]')
    return [str(cidr) for cidr in ranges]
