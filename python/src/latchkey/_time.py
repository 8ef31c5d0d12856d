"""RFC 3339 timestamps, as the API writes them, to and from timezone-aware UTC datetimes.

`datetime.fromisoformat` cannot be used: before Python 3.11 it accepts neither `Z` nor a
fraction of other than 3 or 6 digits, and the server writes both (nanoseconds, `Z`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z",
    re.ASCII,
)


def parse_timestamp(value: str) -> datetime:
    """An RFC 3339 string as a UTC datetime (fractions past microseconds are dropped)."""
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        zone = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond, tzinfo=zone
    )
    return moment.astimezone(timezone.utc)


def format_timestamp(value: datetime) -> str:
    """A timezone-aware datetime as RFC 3339 in UTC with a `Z`, as the API writes it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no time zone; give it one (UTC)")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
