"""`/users`: the organization's human members and their CLI tokens."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from .._fields import req_str
from .._secret import Secret
from ..models import CreatedUser, User
from ._args import IdLike, PermissionLevelLike, grace_body, level_value, object_id
from ._session import Session, parse


class UserApi:
    """Users, as `client.user` (and `latchkey.user`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        email: str,
        name: Optional[str] = None,
        permission_level: Optional[PermissionLevelLike] = None,
        roles: Optional[Sequence[str]] = None,
    ) -> CreatedUser:
        """Add a user (OWNER); return it and its first CLI token (shown only this once).

        `permission_level` is COLLABORATOR unless given; `roles` may hold "TokenCreator".
        An email already in use is a ConflictError.
        """
        body: Dict[str, Any] = {"email": email}
        if name is not None:
            body["name"] = name
        if permission_level is not None:
            body["permission_level"] = level_value(permission_level)
        if roles is not None:
            body["roles"] = _roles(roles)
        return self._session.fetch("POST", "/users", CreatedUser.from_dict, body=body)

    def create(
        self,
        email: str,
        name: Optional[str] = None,
        permission_level: Optional[PermissionLevelLike] = None,
        roles: Optional[Sequence[str]] = None,
    ) -> CreatedUser:
        """The same as `add`."""
        return self.add(email, name=name, permission_level=permission_level, roles=roles)

    def list(self, max_items: Optional[int] = 20) -> List[User]:
        """List users, oldest first: at most `max_items` (None: all of them)."""
        return self._session.collect("/users", User.from_dict, max_items=max_items)

    def get(self, user_id: IdLike) -> User:
        """One user by id (NotFoundError if there is none in your organization)."""
        return self._session.fetch("GET", f"/users/{object_id(user_id)}", User.from_dict)

    def update(
        self,
        user_id: IdLike,
        permission_level: Optional[PermissionLevelLike] = None,
        roles: Optional[Sequence[str]] = None,
    ) -> User:
        """Change a user's permission level and/or roles (OWNER); return the user.

        `roles` replaces the whole set (`[]` takes every role away). Demoting the last
        OWNER is a ConflictError.
        """
        body: Dict[str, Any] = {}
        if permission_level is not None:
            body["permission_level"] = level_value(permission_level)
        if roles is not None:
            body["roles"] = _roles(roles)
        if not body:
            raise ValueError("nothing to change: give permission_level= and/or roles=")
        return self._session.fetch("PATCH", f"/users/{object_id(user_id)}", User.from_dict, body=body)

    def suspend(self, user_id: IdLike) -> User:
        """Suspend a user (OWNER, persistent credential): every credential of the user is
        refused from the next request until it is unsuspended; nothing is revoked. A
        suspended OWNER does not count as one: suspending the last OWNER is a ConflictError.
        """
        return self._set_suspended(user_id, True)

    def unsuspend(self, user_id: IdLike) -> User:
        """Lift a suspension: the user's live credentials work again from the next request."""
        return self._set_suspended(user_id, False)

    def _set_suspended(self, user_id: IdLike, suspended: bool) -> User:
        return self._session.fetch(
            "PATCH", f"/users/{object_id(user_id)}", User.from_dict, body={"suspended": suspended}
        )

    def remove(self, user_id: IdLike) -> None:
        """Remove a user (OWNER); every credential of the user stops working at once."""
        self._session.call("DELETE", f"/users/{object_id(user_id)}")

    def rotate_cli_token(
        self, user_id: Optional[IdLike] = None, *, grace_period_seconds: Optional[int] = None
    ) -> str:
        """Rotate CLI tokens and return the new one: yours when `user_id` is None (see
        `rotate_own`), else, as OWNER, that user's (not another OWNER's). Every older CLI
        token of that user stops working, at once or, with `grace_period_seconds`
        (0-86400), when that grace ends.
        """
        if user_id is None:
            return self.rotate_own(grace_period_seconds=grace_period_seconds)
        path = f"/users/{object_id(user_id)}/cli-tokens/rotate"
        answer = self._session.call("POST", path, body=grace_body(grace_period_seconds))
        return _cli_token(f"POST {path}", answer)

    def rotate_own(self, *, grace_period_seconds: Optional[int] = None) -> str:
        """Rotate your own CLI tokens and return the new one; every older one stops working
        (after `grace_period_seconds`, 0-86400, when given: time to update other machines).

        This client switches to the new token at once. When its token came from the
        credentials file, the file gets the new token too (as `latchkey user
        rotate-cli-token` does), so the stored login keeps working.
        """
        path = "/users/me/cli-tokens/rotate"
        answer = self._session.call("POST", path, body=grace_body(grace_period_seconds))
        token = _cli_token(f"POST {path}", answer)
        self._session.replace_token(token)
        return token

    def revoke_own(self) -> None:
        """Revoke every CLI token of yours, this client's included if it uses one.

        The last OWNER cannot do this (ConflictError): the organization would be locked out.
        """
        self._session.call("DELETE", "/users/me/cli-tokens")


def _roles(roles: Sequence[str]) -> List[str]:
    if isinstance(roles, str):
        # A bare string is a sequence of letters, never meant as roles.
        raise ValueError('roles must be a list of role names, e.g. ["TokenCreator"]')
    return list(roles)


def _cli_token(what: str, answer: object) -> Secret:
    return parse(what, answer, _token_of)


def _token_of(data: Mapping[str, Any]) -> Secret:
    return Secret(req_str(data, "cli_token"))
