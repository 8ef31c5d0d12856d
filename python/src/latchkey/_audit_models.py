"""The audit log's objects (SPEC section 8), exported from `latchkey.models` and `latchkey`.

Strings stay strings where a newer server may add values (an action, an actor or target
type): an SDK older than the server must still read the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Mapping, Optional

from ._fields import opt_str, req_object, req_str, req_time
from ._time import format_timestamp


@dataclass
class AuditActor:
    """Who made the change: `type` is `user`, `service_account`, `operator` (bootstrap,
    recover) or `anonymous` (a public leak report); the parts it lacks are None."""

    type: str
    id: Optional[str] = None
    email: Optional[str] = None
    credential_id: Optional[str] = None
    credential_kind: Optional[str] = None
    """`cli_token`, `api_key` or `access_token`: the kind of credential it used."""

    @property
    def display(self) -> str:
        """The actor's email, else its type (`operator`, `anonymous`)."""
        return self.email or self.type

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "type": self.type,
            "id": self.id,
            "email": self.email,
            "credential_id": self.credential_id,
            "credential_kind": self.credential_kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditActor:
        return cls(
            type=req_str(data, "type"),
            id=opt_str(data, "id"),
            email=opt_str(data, "email"),
            credential_id=opt_str(data, "credential_id"),
            credential_kind=opt_str(data, "credential_kind"),
        )


@dataclass
class AuditTarget:
    """What was changed: `type` is `organization`, `user`, `service_account` or
    `credential`; `label` an email, a name, or a credential's `…last_six`."""

    type: str
    id: str
    label: Optional[str] = None

    @property
    def display(self) -> str:
        """The target's label, else its type and id."""
        return self.label or f"{self.type} {self.id}"

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {"type": self.type, "id": self.id, "label": self.label}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditTarget:
        return cls(type=req_str(data, "type"), id=req_str(data, "id"), label=opt_str(data, "label"))


@dataclass
class AuditRequest:
    """Where the change came from: the request id, the source IP and the user agent."""

    id: Optional[str] = None
    source_ip: Optional[str] = None
    user_agent: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {"id": self.id, "source_ip": self.source_ip, "user_agent": self.user_agent}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRequest:
        return cls(
            id=opt_str(data, "id"),
            source_ip=opt_str(data, "source_ip"),
            user_agent=opt_str(data, "user_agent"),
        )


@dataclass
class AuditEvent:
    """One change of state: who (`actor`) did what (`action`, e.g. `credential.revoked`)
    to whom (`target`), when, and from where (`request`). `details` say what changed (for
    an update, `before` and `after` of each changed field); never a secret."""

    id: str
    time: datetime
    organization_id: str
    action: str
    actor: AuditActor
    target: AuditTarget
    request: AuditRequest = field(default_factory=AuditRequest)
    details: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """Return a dictionary representation of the model."""
        return {
            "id": self.id,
            "time": format_timestamp(self.time),
            "organization_id": self.organization_id,
            "action": self.action,
            "actor": self.actor.to_dict(),
            "target": self.target.to_dict(),
            "request": self.request.to_dict(),
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEvent:
        details = data.get("details")
        return cls(
            id=req_str(data, "id"),
            time=req_time(data, "time"),
            organization_id=req_str(data, "organization_id"),
            action=req_str(data, "action"),
            actor=AuditActor.from_dict(req_object(data, "actor")),
            target=AuditTarget.from_dict(req_object(data, "target")),
            request=AuditRequest.from_dict(req_object(data, "request")),
            details={} if details is None else dict(req_object(data, "details")),
        )
