"""`/api-keys` (OWNER): API keys across the organization."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._fields import req_str
from .._secret import Secret
from ..models import CredentialInfo
from ._args import IdLike, bool_param, grace_body, object_id
from ._session import Session, parse


class ApiKeyApi:
    """API keys of every service account, as `client.api_key` (and `latchkey.api_key`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def list(
        self,
        service_account_email: Optional[str] = None,
        last_six: Optional[str] = None,
        show_inactive: bool = False,
        max_items: Optional[int] = 20,
    ) -> List[CredentialInfo]:
        """List API keys: at most `max_items` (None: all of them).

        Filters: the keys of one service account (`service_account_email`), the key whose
        last six characters are `last_six` (how a key found in a log is traced), and
        `show_inactive=True` to include revoked keys.
        """
        filters: List[Tuple[str, str]] = [("show_inactive", bool_param(show_inactive))]
        if service_account_email is not None:
            filters.append(("service_account_email", service_account_email))
        if last_six is not None:
            filters.append(("last_six", last_six))
        return self._session.collect(
            "/api-keys", CredentialInfo.from_dict, max_items=max_items, filters=filters
        )

    def revoke(self, key_id: IdLike) -> None:
        """Revoke one API key by its id; it stops working on the next request."""
        self._session.call("DELETE", f"/api-keys/{object_id(key_id)}")

    def disable(self, key_id: IdLike) -> CredentialInfo:
        """Disable one API key: it is refused from the next request until it is enabled."""
        return self._update(key_id, {"disabled": True})

    def enable(self, key_id: IdLike) -> CredentialInfo:
        """Enable a disabled API key again (what another OWNER disabled needs an OWNER's
        persistent credential: ForbiddenError otherwise; a revoked key is a ConflictError)."""
        return self._update(key_id, {"disabled": False})

    def edit(self, key_id: IdLike, *, description: str) -> CredentialInfo:
        """Set an API key's description (`""` clears it); return its metadata."""
        return self._update(key_id, {"description": description})

    def roll(self, key_id: IdLike, *, grace_period_seconds: Optional[int] = None) -> str:
        """Roll one API key: a new key like it (its service account, description, scopes,
        ranges and lifespan) is returned, shown only this once. The old key alone keeps
        working for `grace_period_seconds` (0-86400; default 0: it stops at once); the
        account's other keys are untouched. Rolling a key that is no longer live is a
        ConflictError.
        """
        path = f"/api-keys/{object_id(key_id)}/rotate"
        answer = self._session.call("POST", path, body=grace_body(grace_period_seconds))
        return parse(f"POST {path}", answer, _api_key)

    def _update(self, key_id: IdLike, body: Dict[str, Any]) -> CredentialInfo:
        return self._session.fetch(
            "PATCH", f"/api-keys/{object_id(key_id)}", CredentialInfo.from_dict, body=body
        )


def _api_key(data: Mapping[str, Any]) -> Secret:
    return Secret(req_str(data, "api_key"))
