"""Users and their CLI tokens, on the default client.

Example:

    import latchkey

    user, cli_token = latchkey.user.add("dev@acme.com", roles=["TokenCreator"])
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from ._api._args import IdLike, PermissionLevelLike
from ._api.user import UserApi as _Api
from ._default import get_default_client
from ._docs import same_doc
from .models import CreatedUser, OrganizationPermissionLevel, User

__all__ = [
    "CreatedUser",
    "OrganizationPermissionLevel",
    "User",
    "add",
    "create",
    "get",
    "list",
    "remove",
    "revoke_own",
    "rotate_cli_token",
    "rotate_own",
    "suspend",
    "unsuspend",
    "update",
]


@same_doc(_Api.add)
def add(
    email: str,
    name: Optional[str] = None,
    permission_level: Optional[PermissionLevelLike] = None,
    roles: Optional[Sequence[str]] = None,
) -> CreatedUser:
    return get_default_client().user.add(email, name=name, permission_level=permission_level, roles=roles)


@same_doc(_Api.create)
def create(
    email: str,
    name: Optional[str] = None,
    permission_level: Optional[PermissionLevelLike] = None,
    roles: Optional[Sequence[str]] = None,
) -> CreatedUser:
    return get_default_client().user.create(email, name=name, permission_level=permission_level, roles=roles)


@same_doc(_Api.list)
def list(max_items: Optional[int] = 20) -> List[User]:
    return get_default_client().user.list(max_items=max_items)


@same_doc(_Api.get)
def get(user_id: IdLike) -> User:
    return get_default_client().user.get(user_id)


@same_doc(_Api.update)
def update(
    user_id: IdLike,
    permission_level: Optional[PermissionLevelLike] = None,
    roles: Optional[Sequence[str]] = None,
) -> User:
    return get_default_client().user.update(user_id, permission_level=permission_level, roles=roles)


@same_doc(_Api.remove)
def remove(user_id: IdLike) -> None:
    get_default_client().user.remove(user_id)


@same_doc(_Api.rotate_cli_token)
def rotate_cli_token(user_id: Optional[IdLike] = None, *, grace_period_seconds: Optional[int] = None) -> str:
    return get_default_client().user.rotate_cli_token(user_id, grace_period_seconds=grace_period_seconds)


@same_doc(_Api.rotate_own)
def rotate_own(*, grace_period_seconds: Optional[int] = None) -> str:
    return get_default_client().user.rotate_own(grace_period_seconds=grace_period_seconds)


@same_doc(_Api.suspend)
def suspend(user_id: IdLike) -> User:
    return get_default_client().user.suspend(user_id)


@same_doc(_Api.unsuspend)
def unsuspend(user_id: IdLike) -> User:
    return get_default_client().user.unsuspend(user_id)


@same_doc(_Api.revoke_own)
def revoke_own() -> None:
    get_default_client().user.revoke_own()
