"""Access tokens, on the default client (Determined's `det token` verbs).

Example:

    import latchkey

    info, token = latchkey.token.create(expiration_days=30, description="Automated testing token")
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from ._api._args import IdLike
from ._api.token import TokenApi as _Api
from ._default import get_default_client
from ._docs import same_doc
from .models import CredentialInfo, IssuedAccessToken

__all__ = [
    "CredentialInfo",
    "IssuedAccessToken",
    "create",
    "describe",
    "disable",
    "edit",
    "enable",
    "get",
    "list",
    "revoke",
]


@same_doc(_Api.create)
def create(
    user: Optional[str] = None,
    expiration_days: Optional[int] = None,
    description: Optional[str] = None,
    *,
    scopes: Optional[Sequence[str]] = None,
) -> IssuedAccessToken:
    return get_default_client().token.create(
        user=user, expiration_days=expiration_days, description=description, scopes=scopes
    )


@same_doc(_Api.list)
def list(
    show_inactive: bool = False,
    user: Optional[str] = None,
    max_items: Optional[int] = 20,
) -> List[CredentialInfo]:
    return get_default_client().token.list(show_inactive=show_inactive, user=user, max_items=max_items)


@same_doc(_Api.get)
def get(token_id: IdLike) -> CredentialInfo:
    return get_default_client().token.get(token_id)


@same_doc(_Api.describe)
def describe(*token_ids: IdLike) -> List[CredentialInfo]:
    return get_default_client().token.describe(*token_ids)


@same_doc(_Api.edit)
def edit(token_id: IdLike, *, description: str) -> CredentialInfo:
    return get_default_client().token.edit(token_id, description=description)


@same_doc(_Api.revoke)
def revoke(token_id: IdLike) -> CredentialInfo:
    return get_default_client().token.revoke(token_id)


@same_doc(_Api.disable)
def disable(token_id: IdLike) -> CredentialInfo:
    return get_default_client().token.disable(token_id)


@same_doc(_Api.enable)
def enable(token_id: IdLike) -> CredentialInfo:
    return get_default_client().token.enable(token_id)
