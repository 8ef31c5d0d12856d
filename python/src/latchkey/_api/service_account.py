"""`/service-accounts` (OWNER): non-human members and their API keys."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from .._fields import req_str
from .._secret import Secret
from ..models import CredentialInfo, ServiceAccount
from ._args import PermissionLevelLike, account_ref, bool_param, grace_body, level_value
from ._session import Session, parse


class ServiceAccountApi:
    """Service accounts, as `client.service_account` (and `latchkey.service_account`).

    A service account is named by `name=` or by `email=`, exactly one. Every API key is
    returned once, by the call that creates it, and never again.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, name: str, permission_level: Optional[PermissionLevelLike] = None) -> str:
        """Create a service account and return its first API key (shown only this once).

        `permission_level` is COLLABORATOR unless given. A name already in use is a
        ConflictError; a name that is not 1-63 of a-z, 0-9 and '-' (starting with a letter,
        not ending with '-') is a ValidationFailedError.
        """
        body = {"name": name}
        if permission_level is not None:
            body["permission_level"] = level_value(permission_level)
        created = self._session.call("POST", "/service-accounts", body=body)
        return parse("POST /service-accounts", created, _api_key)

    def create_api_key(
        self,
        email: Optional[str] = None,
        name: Optional[str] = None,
        *,
        scopes: Optional[Sequence[str]] = None,
        description: Optional[str] = None,
        lifespan_days: Optional[int] = None,
    ) -> str:
        """Create another API key for the service account and return it (shown only this once).

        The account's older keys keep working. `scopes`: what the key may do (latchkey's
        own `latchkey:...` scopes and any of your own, such as `orders:read`); None: an
        unscoped key, `[]`: a key that can call only `/me`. `lifespan_days` (1-3650): the key
        expires after that many days; None: never (unless the caller's own credential expires).
        """
        path = f"/service-accounts/{account_ref(email, name)}/api-keys"
        return parse(
            f"POST {path}",
            self._session.call("POST", path, body=_key_body(scopes, description, lifespan_days)),
            _api_key,
        )

    def list(self, max_items: Optional[int] = 20) -> List[ServiceAccount]:
        """List service accounts, newest first: at most `max_items` (None: all of them)."""
        return self._session.collect("/service-accounts", ServiceAccount.from_dict, max_items=max_items)

    def get(self, email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
        """The service account with this email or name (NotFoundError if none)."""
        return self._session.fetch(
            "GET", f"/service-accounts/{account_ref(email, name)}", ServiceAccount.from_dict
        )

    def delete(self, email: Optional[str] = None, name: Optional[str] = None) -> None:
        """Delete a service account; its API keys stop working at once."""
        self._session.call("DELETE", f"/service-accounts/{account_ref(email, name)}")

    def rotate_api_keys(
        self,
        email: Optional[str] = None,
        name: Optional[str] = None,
        *,
        scopes: Optional[Sequence[str]] = None,
        description: Optional[str] = None,
        lifespan_days: Optional[int] = None,
        grace_period_seconds: Optional[int] = None,
    ) -> str:
        """Create a new API key and revoke every older key of the account; return the new key.

        `scopes`, `description`, `lifespan_days`: the new key's; None: those of the newest
        key it replaces (the lifespan as a duration). `grace_period_seconds` (0-86400,
        default 0): the older keys keep working that long, so their users can switch; a
        rotation during a running grace ends it at once.
        """
        path = f"/service-accounts/{account_ref(email, name)}/api-keys/rotate"
        body = _key_body(scopes, description, lifespan_days) or {}
        body.update(grace_body(grace_period_seconds) or {})
        return parse(f"POST {path}", self._session.call("POST", path, body=body or None), _api_key)

    def suspend(self, email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
        """Suspend the service account (OWNER, persistent credential): every API key of it is
        refused from the next request until it is unsuspended; nothing is revoked."""
        return self._set_suspended(email, name, True)

    def unsuspend(self, email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
        """Lift a suspension: the account's live API keys work again from the next request."""
        return self._set_suspended(email, name, False)

    def _set_suspended(self, email: Optional[str], name: Optional[str], suspended: bool) -> ServiceAccount:
        return self._session.fetch(
            "PATCH",
            f"/service-accounts/{account_ref(email, name)}",
            ServiceAccount.from_dict,
            body={"suspended": suspended},
        )

    def revoke_api_keys(self, email: Optional[str] = None, name: Optional[str] = None) -> None:
        """Revoke every API key of the account (the account itself stays)."""
        self._session.call("DELETE", f"/service-accounts/{account_ref(email, name)}/api-keys")

    def list_api_keys(
        self,
        email: Optional[str] = None,
        name: Optional[str] = None,
        show_inactive: bool = False,
        max_items: Optional[int] = 20,
    ) -> List[CredentialInfo]:
        """Metadata of the account's API keys; `show_inactive=True` adds revoked ones."""
        return self._session.collect(
            f"/service-accounts/{account_ref(email, name)}/api-keys",
            CredentialInfo.from_dict,
            max_items=max_items,
            filters=[("show_inactive", bool_param(show_inactive))],
        )


def _key_body(
    scopes: Optional[Sequence[str]], description: Optional[str], lifespan_days: Optional[int]
) -> Optional[Dict[str, Any]]:
    body: Dict[str, Any] = {}
    if scopes is not None:
        if isinstance(scopes, str):
            raise TypeError("scopes must be a list of strings, not one string")
        body["scopes"] = [str(scope) for scope in scopes]
    if description is not None:
        body["description"] = description
    if lifespan_days is not None:
        body["lifespan_days"] = int(lifespan_days)
    return body or None


def _api_key(data: Mapping[str, Any]) -> Secret:
    return Secret(req_str(data, "api_key"))
