"""`/audit-events` (OWNER; a scoped credential needs `latchkey:audit`): the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, List, Optional, Tuple, Union

from .._audit_models import AuditEvent
from .._time import format_timestamp
from ._args import IdLike, object_id
from ._session import MAX_PAGE_SIZE, Session

TimeLike = Union[datetime, str]
"""A timezone-aware datetime, or an RFC 3339 string sent as it is."""


def audit_filters(
    action: Optional[str],
    actor_id: Optional[IdLike],
    target_id: Optional[IdLike],
    since: Optional[TimeLike],
    until: Optional[TimeLike],
) -> List[Tuple[str, str]]:
    """The query parameters of `GET /audit-events` for the filters that are set."""
    filters: List[Tuple[str, str]] = []
    if action is not None:
        filters.append(("action", action))
    if actor_id is not None:
        filters.append(("actor_id", str(actor_id)))
    if target_id is not None:
        filters.append(("target_id", str(target_id)))
    if since is not None:
        filters.append(("since", _time(since)))
    if until is not None:
        filters.append(("until", _time(until)))
    return filters


def _time(value: TimeLike) -> str:
    # A naive datetime is a ValueError: its time zone would be a guess.
    return value if isinstance(value, str) else format_timestamp(value)


class AuditApi:
    """The organization's audit log, newest first, as `client.audit` (and `latchkey.audit`).

    Filters: `action` (one action name, e.g. `user.created`; an unknown one is a
    ValidationFailedError), `actor_id` and `target_id` (ids), `since` (inclusive) and `until`
    (exclusive), each a timezone-aware datetime or an RFC 3339 string.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def list(
        self,
        action: Optional[str] = None,
        actor_id: Optional[IdLike] = None,
        target_id: Optional[IdLike] = None,
        since: Optional[TimeLike] = None,
        until: Optional[TimeLike] = None,
        max_items: Optional[int] = 20,
    ) -> List[AuditEvent]:
        """The newest `max_items` events matching the filters (None: all of them)."""
        filters = audit_filters(action, actor_id, target_id, since, until)
        return self._session.collect(
            "/audit-events", AuditEvent.from_dict, max_items=max_items, filters=filters
        )

    def iter(
        self,
        action: Optional[str] = None,
        actor_id: Optional[IdLike] = None,
        target_id: Optional[IdLike] = None,
        since: Optional[TimeLike] = None,
        until: Optional[TimeLike] = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[AuditEvent]:
        """Every event matching the filters, newest first, fetched a page (`page_size`
        events, 1-100) at a time as the iteration reaches it."""
        filters = audit_filters(action, actor_id, target_id, since, until)
        return self._session.iterate(
            "/audit-events", AuditEvent.from_dict, page_size=page_size, filters=filters
        )

    def get(self, event_id: IdLike) -> AuditEvent:
        """One event by its id (another organization's, or an unknown id: NotFoundError)."""
        return self._session.fetch("GET", f"/audit-events/{object_id(event_id)}", AuditEvent.from_dict)
