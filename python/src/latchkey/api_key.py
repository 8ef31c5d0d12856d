"""API keys across the organization (OWNER), on the default client.

Example:

    import latchkey

    for key in latchkey.api_key.list(last_six="a1B2c3"):
        latchkey.api_key.revoke(key.id)
"""

from __future__ import annotations

from typing import List, Optional

from ._api._args import IdLike
from ._api.api_key import ApiKeyApi as _Api
from ._default import get_default_client
from ._docs import same_doc
from .models import CredentialInfo

__all__ = ["CredentialInfo", "disable", "edit", "enable", "list", "revoke", "roll"]


@same_doc(_Api.list)
def list(
    service_account_email: Optional[str] = None,
    last_six: Optional[str] = None,
    show_inactive: bool = False,
    max_items: Optional[int] = 20,
) -> List[CredentialInfo]:
    return get_default_client().api_key.list(
        service_account_email=service_account_email,
        last_six=last_six,
        show_inactive=show_inactive,
        max_items=max_items,
    )


@same_doc(_Api.revoke)
def revoke(key_id: IdLike) -> None:
    get_default_client().api_key.revoke(key_id)


@same_doc(_Api.disable)
def disable(key_id: IdLike) -> CredentialInfo:
    return get_default_client().api_key.disable(key_id)


@same_doc(_Api.enable)
def enable(key_id: IdLike) -> CredentialInfo:
    return get_default_client().api_key.enable(key_id)


@same_doc(_Api.edit)
def edit(key_id: IdLike, *, description: str) -> CredentialInfo:
    return get_default_client().api_key.edit(key_id, description=description)


@same_doc(_Api.roll)
def roll(key_id: IdLike, *, grace_period_seconds: Optional[int] = None) -> str:
    return get_default_client().api_key.roll(key_id, grace_period_seconds=grace_period_seconds)
