"""Your organization and its policy, on the default client.

Example:

    import latchkey

    print(latchkey.organization.get().policy)
    latchkey.organization.update(api_key_max_days=365, allowed_ip_ranges=["203.0.113.0/24"])
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

from ._api.organization import UNCHANGED, Unchanged
from ._api.organization import OrganizationApi as _Api
from ._default import get_default_client
from ._docs import same_doc
from ._organization_models import Organization, OrganizationPolicy

__all__ = ["UNCHANGED", "Organization", "OrganizationPolicy", "get", "update"]


@same_doc(_Api.get)
def get() -> Organization:
    return get_default_client().organization.get()


@same_doc(_Api.update)
def update(
    *,
    access_token_max_days: Optional[int] = None,
    api_key_max_days: Union[int, Unchanged, None] = UNCHANGED,
    allowed_ip_ranges: Optional[Sequence[str]] = None,
) -> Organization:
    return get_default_client().organization.update(
        access_token_max_days=access_token_max_days,
        api_key_max_days=api_key_max_days,
        allowed_ip_ranges=allowed_ip_ranges,
    )
