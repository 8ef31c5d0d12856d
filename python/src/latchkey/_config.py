"""Where a client's API URL and token come from, the way the `latchkey` CLI decides it.

- The token: the one given, else `LATCHKEY_CLI_TOKEN`, else the credentials file that
  `latchkey login` writes, `$HOME/.latchkey/credentials.json`.
- The API URL: the one given, else `LATCHKEY_API_URL`, else (when the token came from the
  file) the file's `api_url`, else the local server, http://127.0.0.1:8080.

The file is `{"token": "...", "api_url": "..."}` with mode 0600. A file that group or
others may read is refused, not used: a token others could read must be taken as leaked.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from .errors import (
    ConfigurationError,
    CredentialsFileError,
    CredentialsFilePermissionError,
    NoCredentialsError,
)

DEFAULT_API_URL = "http://127.0.0.1:8080"
API_URL_ENV = "LATCHKEY_API_URL"
TOKEN_ENV = "LATCHKEY_CLI_TOKEN"

# A credentials file is a few hundred bytes; a bigger one is not ours.
_MAX_FILE_BYTES = 64 * 1024
_FILE_FIELDS = frozenset({"token", "api_url"})


@dataclass(frozen=True)
class StoredCredentials:
    """The content of a credentials file."""

    token: str = field(repr=False)
    api_url: Optional[str] = None


@dataclass(frozen=True)
class Settings:
    """A resolved configuration: what a client talks to, with what."""

    api_url: str
    token: str = field(repr=False)
    token_file: Optional[Path] = None
    """The credentials file the token came from, if it came from one."""


def credentials_path() -> Path:
    """`$HOME/.latchkey/credentials.json`, as the CLI locates it."""
    home = os.environ.get("HOME", "")
    if not home:
        raise ConfigurationError("HOME is not set: cannot locate ~/.latchkey/credentials.json")
    return Path(home) / ".latchkey" / "credentials.json"


def load_credentials(path: Path) -> Optional[StoredCredentials]:
    """The credentials stored at `path`; None when there is no such file."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CredentialsFileError(path, error.strerror or "cannot be opened") from error
    try:
        # The checks are made on the opened file, so the file read is the file checked.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CredentialsFileError(path, "not a regular file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise CredentialsFilePermissionError(path)
        with os.fdopen(fd, "rb") as file:
            fd = -1  # closed with the file
            raw = file.read(_MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CredentialsFileError(path, error.strerror or "cannot be read") from error
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > _MAX_FILE_BYTES:
        raise CredentialsFileError(path, "too large to be a credentials file")
    return _parse_credentials(path, raw)


def _parse_credentials(path: Path, raw: bytes) -> StoredCredentials:
    # Messages name lines and fields, never the content: the file holds a token.
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CredentialsFileError(path, "not UTF-8") from None
    except json.JSONDecodeError as error:
        raise CredentialsFileError(
            path, f"not valid credentials JSON (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(data, dict):
        raise CredentialsFileError(path, "not valid credentials JSON (expected an object)")
    if not set(data) <= _FILE_FIELDS:
        raise CredentialsFileError(path, "not valid credentials JSON (fields other than token and api_url)")
    token = data.get("token")
    if not isinstance(token, str):
        raise CredentialsFileError(path, "not valid credentials JSON (token must be a string)")
    if not token.strip():
        raise CredentialsFileError(path, "the token is empty")
    api_url = data.get("api_url")
    if api_url is not None and not isinstance(api_url, str):
        raise CredentialsFileError(path, "not valid credentials JSON (api_url must be a string)")
    return StoredCredentials(token=token.strip(), api_url=api_url)


def save_credentials(path: Path, credentials: StoredCredentials) -> None:
    """Writes `path` with mode 0600 (its directory created with mode 0700), as the CLI does.

    The content goes to a new private file that then replaces the old one: a file that
    was once too open is not reused, and a crash never leaves half a file.
    """
    directory = path.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise CredentialsFileError(path, f"cannot create {directory}: {error.strerror}") from error
    stored: Dict[str, Any] = {"token": credentials.token}
    if credentials.api_url is not None:
        stored["api_url"] = credentials.api_url
    body = (json.dumps(stored, indent=2) + "\n").encode("utf-8")
    temporary = directory / f".{path.name}.{os.getpid()}.tmp"
    try:
        temporary.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise CredentialsFileError(path, error.strerror or "cannot be written") from error
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise CredentialsFileError(path, error.strerror or "cannot be written") from error


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def resolve(api_url: Optional[str] = None, token: Optional[str] = None) -> Settings:
    """The settings of a client given `api_url` and `token` (None: from the environment)."""
    token_file: Optional[Path] = None
    file_url: Optional[str] = None
    if token is None:
        token = _env(TOKEN_ENV)
    if token is None:
        path = credentials_path()
        stored = load_credentials(path)
        if stored is None:
            raise NoCredentialsError()
        token, file_url, token_file = stored.token, stored.api_url, path
    url = api_url if api_url is not None else (_env(API_URL_ENV) or file_url or DEFAULT_API_URL)
    return Settings(api_url=normalize_api_url(url), token=check_token(token), token_file=token_file)


def normalize_api_url(url: str) -> str:
    """`url` without surrounding blanks or trailing slashes, checked to be an http(s) URL."""
    trimmed = url.strip().rstrip("/")
    try:
        parts = urlsplit(trimmed)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"API URL {trimmed!r} must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        # Not echoed: it would show the password.
        raise ConfigurationError("the API URL must not hold a user name or password")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"API URL {trimmed!r} must not have a query or a fragment")
    return trimmed


def check_token(token: str) -> str:
    """`token` without surrounding blanks, checked to fit in an Authorization header.

    Checked here so that the HTTP library never raises an error that quotes the header.
    """
    trimmed = token.strip()
    if not trimmed:
        raise ConfigurationError("the token is empty")
    if not all("!" <= character <= "~" for character in trimmed):
        raise ConfigurationError(
            "the token holds characters that cannot be sent in an HTTP header (not a latchkey token?)"
        )
    return trimmed
