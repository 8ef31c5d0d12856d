"""The default client is configured like the CLI: environment, then the file `latchkey
login` writes (refused when others can read it), then the local server."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import latchkey
from latchkey import (
    ConfigurationError,
    CredentialsFileError,
    CredentialsFilePermissionError,
    NoCredentialsError,
    PrincipalType,
)

from support import Organization, unique


def _credentials(home: Path) -> Path:
    return home / ".latchkey" / "credentials.json"


def _write(home: Path, content: object, mode: int = 0o600) -> Path:
    path = _credentials(home)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    path.chmod(mode)
    return path


def _login_with_the_cli(org: Organization, home: Path, token: str) -> Path:
    """`latchkey login` (the real CLI) with the token on stdin."""
    org.server.run("login", "--api-url", org.server.url, home=home, stdin=token)
    return _credentials(home)


def test_environment_variables(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATCHKEY_API_URL", f" {org.server.url}/ ")
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", f"{org.owner_token}\n")
    assert latchkey.me().email == org.owner_email
    assert latchkey.get_default_client().api_url == org.server.url


def test_the_file_latchkey_login_writes(org: Organization, isolated_environment: Path) -> None:
    path = _login_with_the_cli(org, isolated_environment, org.owner_token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # No variables: token and API URL both come from the file.
    assert latchkey.me().email == org.owner_email
    assert latchkey.Client().api_url == org.server.url


def test_the_environment_wins_over_the_file(
    org: Organization, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _login_with_the_cli(org, isolated_environment, org.owner_token)
    api_key = org.owner.service_account.create(name=unique("env-bot"))

    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", api_key)
    # A token from the environment takes its URL from the environment or the default,
    # never from the file (as in the CLI).
    assert latchkey.Client().api_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("LATCHKEY_API_URL", org.server.url)
    assert latchkey.me().principal_type is PrincipalType.SERVICE_ACCOUNT

    # LATCHKEY_API_URL wins over the file's api_url too.
    monkeypatch.delenv("LATCHKEY_CLI_TOKEN")
    _write(isolated_environment, {"token": org.owner_token, "api_url": "http://127.0.0.1:9"})
    assert latchkey.Client().me().email == org.owner_email
    # Explicit arguments win over everything.
    assert latchkey.Client(api_url=org.server.url, token=api_key).me().principal_type is (
        PrincipalType.SERVICE_ACCOUNT
    )


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused(org: Organization, isolated_environment: Path, mode: int) -> None:
    path = _login_with_the_cli(org, isolated_environment, org.owner_token)
    path.chmod(mode)
    with pytest.raises(CredentialsFilePermissionError) as refused:
        latchkey.me()
    assert isinstance(refused.value, CredentialsFileError)
    assert isinstance(refused.value, ConfigurationError)
    assert refused.value.path == path
    assert f"chmod 600 {path}" in str(refused.value)
    assert org.owner_token not in str(refused.value)
    with pytest.raises(CredentialsFilePermissionError):
        latchkey.Client(api_url=org.server.url)
    # The CLI refuses the same file.
    with pytest.raises(AssertionError, match="accessible by other users"):
        org.server.run("whoami", home=isolated_environment)


def test_no_credentials_anywhere() -> None:
    with pytest.raises(NoCredentialsError, match="latchkey login"):
        latchkey.me()


def test_no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME")
    with pytest.raises(ConfigurationError, match="HOME"):
        latchkey.Client()
    monkeypatch.setenv("LATCHKEY_CLI_TOKEN", "lku_x")
    assert latchkey.Client().api_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"token": "lku_SecretPart", ', "not valid credentials JSON (line 1"),
        ('["lku_SecretPart"]', "expected an object"),
        ('{"token": "lku_SecretPart", "extra": 1}', "fields other than token and api_url"),
        ('{"token": 5}', "token must be a string"),
        ('{"token": "  "}', "the token is empty"),
        ('{"token": "lku_SecretPart", "api_url": 1}', "api_url must be a string"),
    ],
)
def test_a_broken_file_is_an_error_that_never_quotes_it(
    isolated_environment: Path, content: str, reason: str
) -> None:
    _write(isolated_environment, content)
    with pytest.raises(CredentialsFileError) as caught:
        latchkey.Client()
    assert reason in str(caught.value)
    assert "SecretPart" not in str(caught.value)


def test_a_directory_is_not_a_credentials_file(isolated_environment: Path) -> None:
    _credentials(isolated_environment).mkdir(parents=True)
    with pytest.raises(CredentialsFileError, match=r"not a regular file|Is a directory"):
        latchkey.Client()


def test_bad_api_urls_are_refused() -> None:
    for url in ("ftp://host", "not a url", "http://", "http://user:pw@host", "http://host/?q=1"):
        with pytest.raises(ConfigurationError) as caught:
            latchkey.Client(api_url=url, token="lku_x")
        assert "pw" not in str(caught.value)


def test_rotating_ones_own_token_updates_the_file_it_came_from(
    org: Organization, isolated_environment: Path
) -> None:
    _, dev_token = org.owner.user.add(f"{unique('filed')}@example.com")
    path = _login_with_the_cli(org, isolated_environment, dev_token)

    new_token = latchkey.user.rotate_own()
    assert json.loads(path.read_text()) == {"token": new_token, "api_url": org.server.url}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [name for name in os.listdir(path.parent) if name.endswith(".tmp")]
    # The default client moved on, and the CLI reads what the SDK wrote.
    assert latchkey.me().credential.last_six == new_token[-6:]
    assert new_token[-6:] in org.server.run("whoami", home=isolated_environment)
    # A token given to the client leaves the file alone.
    latchkey.set_default_client(latchkey.Client(api_url=org.server.url, token=new_token))
    newer = latchkey.user.rotate_own()
    assert json.loads(path.read_text())["token"] == new_token
    assert latchkey.me().credential.last_six == newer[-6:]
