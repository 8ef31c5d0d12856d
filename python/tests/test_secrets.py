"""A secret never appears in a repr (nor in the str of a returned pair)."""

from __future__ import annotations

import json

import latchkey
from latchkey import CreatedUser, IssuedAccessToken, Secret
from latchkey._config import Settings, StoredCredentials

from support import Organization, unique


def _assert_hidden(secret: str, *shown: str) -> None:
    body = secret[4:-6]  # all but the kind prefix and the last six (the checksum)
    for text in shown:
        assert secret not in text
        assert body not in text


def test_issued_access_token_masks_the_token(org: Organization) -> None:
    issued = org.owner.token.create(description="repr")
    assert isinstance(issued, IssuedAccessToken)
    info, token = issued
    _assert_hidden(token, repr(issued), str(issued), f"{issued}", repr([issued]), repr(token))
    assert token[-6:] in repr(issued)
    assert info.last_six == token[-6:]
    assert repr(info) in repr(issued)
    # The token itself is a plain string to use.
    assert isinstance(token, str)
    assert str(token) == token
    assert f"{token}" == issued.token
    assert json.loads(json.dumps({"t": token})) == {"t": str(token)}
    assert org.client(str(token)).me().credential.id == info.id
    assert issued.to_dict()["token"] == str(token)


def test_created_user_masks_its_cli_token(org: Organization) -> None:
    created = org.owner.user.add(f"{unique('repr')}@example.com")
    assert isinstance(created, CreatedUser)
    _assert_hidden(created.cli_token, repr(created), str(created), repr(created.cli_token))
    assert repr(created.user) in repr(created)


def test_returned_keys_and_tokens_mask_their_repr(org: Organization) -> None:
    owner = org.owner
    name = unique("repr-bot")
    keys = [
        owner.service_account.create(name=name),
        owner.service_account.create_api_key(name=name),
        owner.service_account.rotate_api_keys(name=name),
        owner.user.rotate_cli_token(owner.user.add(f"{unique('r')}@example.com").user.id),
    ]
    for key in keys:
        assert isinstance(key, Secret)
        _assert_hidden(key, repr(key), repr([key]), repr({"key": key}))
        assert repr(key) == f"<secret …{key[-6:]}>"


def test_a_client_hides_its_token(org: Organization) -> None:
    client = org.client(org.owner_token)
    _assert_hidden(org.owner_token, repr(client), str(client), repr(client.__dict__), repr(vars(client.user)))
    assert org.server.url in repr(client)
    assert repr(latchkey.Client(api_url=org.server.url, token="short")).endswith("token=<secret>)")


def test_configuration_objects_hide_the_token() -> None:
    token = "lku_" + "Hidden" * 15 + "abc"
    _assert_hidden(
        token,
        repr(Settings(api_url="http://127.0.0.1:1", token=token)),
        repr(StoredCredentials(token=token)),
    )


def test_errors_never_show_a_token_they_were_given() -> None:
    token = "lku_Bad\ntoken_" + "Q" * 80
    try:
        latchkey.Client(api_url="http://127.0.0.1:1", token=token)
    except latchkey.ConfigurationError as error:
        _assert_hidden(token, str(error), repr(error))
    else:
        raise AssertionError("a token that cannot be a header value was accepted")
