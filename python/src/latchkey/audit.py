"""The organization's audit log (OWNER), on the default client.

Example:

    import latchkey
    from datetime import datetime, timedelta, timezone

    week_ago = datetime.now(timezone.utc) - timedelta(days=7)
    for event in latchkey.audit.iter(action="credential.revoked", since=week_ago):
        print(event.time, event.actor.display, event.target.display, event.request.source_ip)
"""

from __future__ import annotations

from typing import Iterator, List, Optional

from ._api._args import IdLike
from ._api._session import MAX_PAGE_SIZE
from ._api.audit import AuditApi as _Api
from ._api.audit import TimeLike
from ._audit_models import AuditActor, AuditEvent, AuditRequest, AuditTarget
from ._default import get_default_client
from ._docs import same_doc

__all__ = ["AuditActor", "AuditEvent", "AuditRequest", "AuditTarget", "get", "iter", "list"]


@same_doc(_Api.list)
def list(
    action: Optional[str] = None,
    actor_id: Optional[IdLike] = None,
    target_id: Optional[IdLike] = None,
    since: Optional[TimeLike] = None,
    until: Optional[TimeLike] = None,
    max_items: Optional[int] = 20,
) -> List[AuditEvent]:
    return get_default_client().audit.list(
        action=action, actor_id=actor_id, target_id=target_id, since=since, until=until, max_items=max_items
    )


@same_doc(_Api.iter)
def iter(
    action: Optional[str] = None,
    actor_id: Optional[IdLike] = None,
    target_id: Optional[IdLike] = None,
    since: Optional[TimeLike] = None,
    until: Optional[TimeLike] = None,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[AuditEvent]:
    return get_default_client().audit.iter(
        action=action, actor_id=actor_id, target_id=target_id, since=since, until=until, page_size=page_size
    )


@same_doc(_Api.get)
def get(event_id: IdLike) -> AuditEvent:
    return get_default_client().audit.get(event_id)
