"""Reading fields out of the API's JSON objects, with errors that never quote a value.

Every model's `from_dict` goes through these. A missing or mistyped field is a
`ValueError` naming the field only: response bodies hold credentials, and an error
message must not carry one. Fields the model does not know are ignored, so a newer
server that adds fields does not break an older SDK.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, List, Mapping, Optional, Type, TypeVar

from ._time import format_timestamp, parse_timestamp

E = TypeVar("E", bound=Enum)


def as_object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected a JSON object")
    return value


def _present(data: Mapping[str, Any], name: str) -> object:
    if name not in data:
        raise ValueError(f"{name}: missing")
    return data[name]


def req_str(data: Mapping[str, Any], name: str) -> str:
    value = _present(data, name)
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string")
    return value


def opt_str(data: Mapping[str, Any], name: str) -> Optional[str]:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string or null")
    return value


def opt_bool(data: Mapping[str, Any], name: str) -> bool:
    """A boolean that older servers do not send: absent or null is False."""
    value = data.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false")
    return value


def req_time(data: Mapping[str, Any], name: str) -> datetime:
    try:
        return parse_timestamp(req_str(data, name))
    except ValueError as error:
        raise ValueError(f"{name}: expected an RFC 3339 timestamp") from error


def opt_time(data: Mapping[str, Any], name: str) -> Optional[datetime]:
    raw = opt_str(data, name)
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except ValueError as error:
        raise ValueError(f"{name}: expected an RFC 3339 timestamp or null") from error


def opt_str_list(data: Mapping[str, Any], name: str) -> Optional[List[str]]:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name}: expected a list of strings")
    return list(value)


def str_list(data: Mapping[str, Any], name: str) -> List[str]:
    _present(data, name)
    value = opt_str_list(data, name)
    if value is None:
        raise ValueError(f"{name}: expected a list of strings")
    return value


def req_enum(data: Mapping[str, Any], name: str, kind: Type[E]) -> E:
    raw = req_str(data, name)
    try:
        return kind(raw)
    except ValueError:
        # Enum values are never secrets, and naming the unknown one helps.
        allowed = ", ".join(str(member.value) for member in kind)
        raise ValueError(f"{name}: {raw!r} is not one of {allowed}") from None


def opt_object(data: Mapping[str, Any], name: str) -> Optional[Mapping[str, Any]]:
    value = data.get(name)
    if value is None:
        return None
    return as_object(value, name)


def req_object(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return as_object(_present(data, name), name)


def time_or_none(value: Optional[datetime]) -> Optional[str]:
    return None if value is None else format_timestamp(value)
