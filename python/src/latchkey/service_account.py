"""Service accounts and their API keys (OWNER), on the default client.

Example:

    import latchkey

    api_key = latchkey.service_account.create(name="my-service-account")
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from ._api._args import PermissionLevelLike
from ._api.service_account import ServiceAccountApi as _Api
from ._default import get_default_client
from ._docs import same_doc
from .models import CredentialInfo, OrganizationPermissionLevel, ServiceAccount

__all__ = [
    "OrganizationPermissionLevel",
    "ServiceAccount",
    "create",
    "create_api_key",
    "delete",
    "get",
    "list",
    "list_api_keys",
    "revoke_api_keys",
    "rotate_api_keys",
    "suspend",
    "unsuspend",
]


@same_doc(_Api.create)
def create(name: str, permission_level: Optional[PermissionLevelLike] = None) -> str:
    return get_default_client().service_account.create(name=name, permission_level=permission_level)


@same_doc(_Api.create_api_key)
def create_api_key(
    email: Optional[str] = None,
    name: Optional[str] = None,
    *,
    scopes: Optional[Sequence[str]] = None,
    description: Optional[str] = None,
    lifespan_days: Optional[int] = None,
) -> str:
    return get_default_client().service_account.create_api_key(
        email=email, name=name, scopes=scopes, description=description, lifespan_days=lifespan_days
    )


@same_doc(_Api.list)
def list(max_items: Optional[int] = 20) -> List[ServiceAccount]:
    return get_default_client().service_account.list(max_items=max_items)


@same_doc(_Api.get)
def get(email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
    return get_default_client().service_account.get(email=email, name=name)


@same_doc(_Api.delete)
def delete(email: Optional[str] = None, name: Optional[str] = None) -> None:
    get_default_client().service_account.delete(email=email, name=name)


@same_doc(_Api.rotate_api_keys)
def rotate_api_keys(
    email: Optional[str] = None,
    name: Optional[str] = None,
    *,
    scopes: Optional[Sequence[str]] = None,
    description: Optional[str] = None,
    lifespan_days: Optional[int] = None,
    grace_period_seconds: Optional[int] = None,
) -> str:
    return get_default_client().service_account.rotate_api_keys(
        email=email,
        name=name,
        scopes=scopes,
        description=description,
        lifespan_days=lifespan_days,
        grace_period_seconds=grace_period_seconds,
    )


@same_doc(_Api.suspend)
def suspend(email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
    return get_default_client().service_account.suspend(email=email, name=name)


@same_doc(_Api.unsuspend)
def unsuspend(email: Optional[str] = None, name: Optional[str] = None) -> ServiceAccount:
    return get_default_client().service_account.unsuspend(email=email, name=name)


@same_doc(_Api.revoke_api_keys)
def revoke_api_keys(email: Optional[str] = None, name: Optional[str] = None) -> None:
    get_default_client().service_account.revoke_api_keys(email=email, name=name)


@same_doc(_Api.list_api_keys)
def list_api_keys(
    email: Optional[str] = None,
    name: Optional[str] = None,
    show_inactive: bool = False,
    max_items: Optional[int] = 20,
) -> List[CredentialInfo]:
    return get_default_client().service_account.list_api_keys(
        email=email, name=name, show_inactive=show_inactive, max_items=max_items
    )
