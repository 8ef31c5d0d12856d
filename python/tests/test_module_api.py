"""The module functions mirror the client's namespaces exactly."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import List

import pytest

import latchkey
from latchkey._api.api_key import ApiKeyApi
from latchkey._api.organization import OrganizationApi
from latchkey._api.service_account import ServiceAccountApi
from latchkey._api.token import TokenApi
from latchkey._api.user import UserApi

NAMESPACES = [
    (latchkey.service_account, ServiceAccountApi, "service_account"),
    (latchkey.api_key, ApiKeyApi, "api_key"),
    (latchkey.token, TokenApi, "token"),
    (latchkey.user, UserApi, "user"),
    (latchkey.organization, OrganizationApi, "organization"),
]


def _methods(cls: type) -> List[str]:
    return sorted(name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_"))


@pytest.mark.parametrize(("module", "cls", "attribute"), NAMESPACES)
def test_every_method_has_a_module_function_of_the_same_signature(
    module: ModuleType, cls: type, attribute: str
) -> None:
    functions = sorted(name for name in module.__all__ if inspect.isfunction(getattr(module, name)))
    assert functions == _methods(cls)
    for name in functions:
        method = inspect.signature(getattr(cls, name))
        without_self = method.replace(parameters=list(method.parameters.values())[1:])
        assert inspect.signature(getattr(module, name)) == without_self, name
        assert getattr(module, name).__doc__ == getattr(cls, name).__doc__
        assert getattr(cls, name).__doc__, f"{cls.__name__}.{name} has no docstring"


def test_a_client_has_a_namespace_per_module() -> None:
    client = latchkey.Client(api_url="http://127.0.0.1:1", token="lku_x")
    for _, cls, attribute in NAMESPACES:
        assert isinstance(getattr(client, attribute), cls)


def test_the_seed_names_are_there() -> None:
    # Seed 002 (Anyscale) and seed 003 (Determined), by the names the brief gives.
    for name in ("create", "create_api_key", "list", "delete", "rotate_api_keys", "get", "revoke_api_keys"):
        assert callable(getattr(latchkey.service_account, name))
    for name in ("create", "list", "describe", "edit", "revoke"):
        assert callable(getattr(latchkey.token, name))
    signature = inspect.signature(latchkey.service_account.list)
    assert signature.parameters["max_items"].default == 20
    parameters = inspect.signature(latchkey.token.create).parameters
    positional = [p.name for p in parameters.values() if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == ["user", "expiration_days", "description"]
    # Later sections add keyword-only arguments after the seed's three.
    assert parameters["scopes"].kind is inspect.Parameter.KEYWORD_ONLY
    assert callable(latchkey.me)
