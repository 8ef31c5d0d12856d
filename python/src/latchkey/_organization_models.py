"""The organization and its policy (SPEC section 11), exported from `latchkey.models` and
`latchkey`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from ._fields import req_object, req_str, req_time, str_list
from ._time import format_timestamp


def _req_int(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name}: expected a whole number")
    return value


def _opt_int(data: Mapping[str, Any], name: str) -> Optional[int]:
    value = data.get(name)
    if value is None:
        return None
    return _req_int(data, name)


@dataclass
class OrganizationPolicy:
    """What the organization asks of every credential."""

    access_token_max_days: int
    """New access tokens, owners' included, expire within this many days."""
    api_key_max_days: Optional[int] = None
    """New API keys expire within this many days; None: they may never expire."""
    allowed_ip_ranges: List[str] = field(default_factory=list)
    """CIDR blocks in canonical form (`10.0.0.0/8`, `2001:db8::/32`); every credential of the
    organization is refused from any other address. Empty: any address."""

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "access_token_max_days": self.access_token_max_days,
            "api_key_max_days": self.api_key_max_days,
            "allowed_ip_ranges": list(self.allowed_ip_ranges),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrganizationPolicy:
        return cls(
            access_token_max_days=_req_int(data, "access_token_max_days"),
            api_key_max_days=_opt_int(data, "api_key_max_days"),
            allowed_ip_ranges=str_list(data, "allowed_ip_ranges"),
        )


@dataclass
class Organization:
    """The caller's organization (`GET /organization`)."""

    id: str
    name: str
    created_at: datetime
    policy: OrganizationPolicy

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "name": self.name,
            "created_at": format_timestamp(self.created_at),
            "policy": self.policy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Organization:
        return cls(
            id=req_str(data, "id"),
            name=req_str(data, "name"),
            created_at=req_time(data, "created_at"),
            policy=OrganizationPolicy.from_dict(req_object(data, "policy")),
        )
