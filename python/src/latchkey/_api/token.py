"""`/tokens`: access tokens, the expiring credentials of users."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..models import CredentialInfo, IssuedAccessToken
from ._args import IdLike, bool_param, object_id
from ._session import Session


class TokenApi:
    """Access tokens, as `client.token` (and `latchkey.token`).

    Creating one for yourself needs the TokenCreator role (or OWNER); an OWNER may also
    create them for users who are not owners. Everyone may list, describe, edit and
    revoke their own.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self,
        user: Optional[str] = None,
        expiration_days: Optional[int] = None,
        description: Optional[str] = None,
        *,
        scopes: Optional[Sequence[str]] = None,
    ) -> IssuedAccessToken:
        """Create an access token and return its info and the token (shown only this once).

        `user`: the user's id or email (OWNER); yourself when None. `expiration_days`: its
        lifespan (the server's default is 30 days, its maximum 365). `scopes`: what it may
        do; None: unscoped, `[]`: only `/me`.
        """
        body: Dict[str, Any] = {}
        if user is not None:
            body["user"] = user
        if expiration_days is not None:
            body["lifespan_days"] = expiration_days
        if description is not None:
            body["description"] = description
        if scopes is not None:
            if isinstance(scopes, str):
                raise TypeError("scopes must be a list of strings, not one string")
            body["scopes"] = [str(scope) for scope in scopes]
        return self._session.fetch("POST", "/tokens", IssuedAccessToken.from_dict, body=body)

    def list(
        self,
        show_inactive: bool = False,
        user: Optional[str] = None,
        max_items: Optional[int] = 20,
    ) -> List[CredentialInfo]:
        """List access tokens: your own, or as OWNER everyone's (or `user`'s, an id or email).

        `show_inactive=True` adds revoked and expired ones. At most `max_items` (None: all).
        """
        filters: List[Tuple[str, str]] = [("show_inactive", bool_param(show_inactive))]
        if user is not None:
            filters.append(("user", user))
        return self._session.collect(
            "/tokens", CredentialInfo.from_dict, max_items=max_items, filters=filters
        )

    def get(self, token_id: IdLike) -> CredentialInfo:
        """One access token's info (NotFoundError if it is not yours and you are not OWNER)."""
        return self._session.fetch("GET", f"/tokens/{object_id(token_id)}", CredentialInfo.from_dict)

    def describe(self, *token_ids: IdLike) -> List[CredentialInfo]:
        """The info of each of these access tokens, in the order given."""
        if not token_ids:
            raise ValueError("describe needs at least one token id")
        return [self.get(token_id) for token_id in token_ids]

    def edit(self, token_id: IdLike, *, description: str) -> CredentialInfo:
        """Set an access token's description (`""` clears it); return its info."""
        return self._session.fetch(
            "PATCH",
            f"/tokens/{object_id(token_id)}",
            CredentialInfo.from_dict,
            body={"description": description},
        )

    def disable(self, token_id: IdLike) -> CredentialInfo:
        """Disable an access token: it is refused from the next request until it is enabled."""
        return self._session.fetch(
            "PATCH", f"/tokens/{object_id(token_id)}", CredentialInfo.from_dict, body={"disabled": True}
        )

    def enable(self, token_id: IdLike) -> CredentialInfo:
        """Enable a disabled access token again (what an OWNER other than its holder disabled,
        only such an OWNER with a persistent credential enables: ForbiddenError otherwise)."""
        return self._session.fetch(
            "PATCH", f"/tokens/{object_id(token_id)}", CredentialInfo.from_dict, body={"disabled": False}
        )

    def revoke(self, token_id: IdLike) -> CredentialInfo:
        """Revoke an access token (for good); it stops working on the next request."""
        return self._session.fetch(
            "PATCH", f"/tokens/{object_id(token_id)}", CredentialInfo.from_dict, body={"revoked": True}
        )
