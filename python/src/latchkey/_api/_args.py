"""Checking and shaping the arguments of namespace methods."""

from __future__ import annotations

import uuid
from typing import Any, Dict, Optional, Union

from .._enums import OrganizationPermissionLevel
from .._http import path_segment

PermissionLevelLike = Union[OrganizationPermissionLevel, str]
IdLike = Union[str, uuid.UUID]


def level_value(value: PermissionLevelLike) -> str:
    """The wire value of a permission level given as the enum or as its name."""
    try:
        return OrganizationPermissionLevel(value).value
    except ValueError:
        raise ValueError("permission_level must be OWNER or COLLABORATOR") from None


def account_ref(email: Optional[str], name: Optional[str]) -> str:
    """The path segment naming a service account: by email or by name, exactly one."""
    if email is not None and name is None:
        return path_segment(email)
    if name is not None and email is None:
        return path_segment(name)
    raise ValueError("name the service account by exactly one of email= or name=")


def object_id(value: IdLike) -> str:
    """The path segment of an object's id (a user, key or token id)."""
    return path_segment(str(value))


def grace_body(grace_period_seconds: Optional[int]) -> Optional[Dict[str, Any]]:
    """The body of a rotation: `{grace_period_seconds}` when one is given, else none."""
    if grace_period_seconds is None:
        return None
    if not isinstance(grace_period_seconds, int) or isinstance(grace_period_seconds, bool):
        raise TypeError("grace_period_seconds must be a whole number of seconds (0-86400)")
    return {"grace_period_seconds": grace_period_seconds}


def bool_param(value: bool) -> str:
    """A query parameter's boolean, as the API spells it."""
    return "true" if value else "false"
