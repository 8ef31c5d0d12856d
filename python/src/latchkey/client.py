"""`Client`: one latchkey API, one token, a namespace per group of routes."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

from ._api._session import Session, parse
from ._api.api_key import ApiKeyApi
from ._api.audit import AuditApi
from ._api.organization import OrganizationApi
from ._api.service_account import ServiceAccountApi
from ._api.token import TokenApi
from ._api.user import UserApi
from ._config import resolve
from ._fields import req_str
from ._http import Transport
from ._secret import mask
from .models import Me, Verification

DEFAULT_TIMEOUT = 30.0


class Client:
    """A client of one latchkey API, authenticated by one token.

    Arguments left out are found the way the `latchkey` CLI finds them: the token in
    `LATCHKEY_CLI_TOKEN`, else in the credentials file `latchkey login` wrote
    (`~/.latchkey/credentials.json`, refused if others can read it); the API URL in
    `LATCHKEY_API_URL`, else in that file, else the local server, http://127.0.0.1:8080.

    Its namespaces mirror the modules of the same names:
    `client.service_account.create(name=...)` is `latchkey.service_account.create(name=...)`
    on a client of your own. `timeout` is in seconds, per request.
    """

    def __init__(
        self,
        api_url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        settings = resolve(api_url=api_url, token=token)
        self._session = Session(Transport(settings.api_url, settings.token, timeout), settings.token_file)
        self.service_account = ServiceAccountApi(self._session)
        """Service accounts and their API keys (OWNER)."""
        self.api_key = ApiKeyApi(self._session)
        """API keys across the organization (OWNER)."""
        self.token = TokenApi(self._session)
        """Access tokens."""
        self.user = UserApi(self._session)
        """Users and their CLI tokens."""
        self.audit = AuditApi(self._session)
        """The organization's audit log (OWNER)."""
        self.organization = OrganizationApi(self._session)
        """The organization and its policy."""

    @property
    def api_url(self) -> str:
        """The API's base URL (without /api/v1)."""
        return self._session.transport.api_url

    def me(self) -> Me:
        """The caller: the principal this client's token belongs to, and that credential."""
        return self._session.fetch("GET", "/me", Me.from_dict)

    def verify(self, token: str, source_ip: Optional[str] = None) -> Verification:
        """Whether `token` is a valid credential of your organization, and whose (OWNER; a
        scoped credential also needs `latchkey:verify`). `source_ip`: the address it was
        presented from. Never raises for an invalid token: see `Verification.code`.
        """
        body: Dict[str, Any] = {"token": token}
        if source_ip is not None:
            body["source_ip"] = source_ip
        return self._session.fetch("POST", "/verify", Verification.from_dict, body=body)

    def health(self) -> str:
        """The API's health (`"ok"`); needs no valid token."""
        answer = self._session.transport.request("GET", "/health", authenticated=False)
        return parse("GET /health", answer, _status)

    def report_leaked_credentials(self, credentials: Sequence[str]) -> int:
        """Reports credentials found where they must not be (a public repository, a paste):
        every one that is a live latchkey credential, of any organization, is revoked at once.
        Public: the client's own token is not sent. Returns how many entries the server
        received (the same whatever matched). At most 1000 entries of 256 characters."""
        if isinstance(credentials, str):
            raise TypeError("credentials: a list of strings, not one string")
        body = {"credentials": list(credentials)}
        answer = self._session.transport.request(
            "POST", "/credentials/revoke", body=body, authenticated=False
        )
        return parse("POST /credentials/revoke", answer, _received)

    def __repr__(self) -> str:
        return f"Client(api_url={self.api_url!r}, token={mask(self._session.transport.token)})"


def _status(data: Mapping[str, Any]) -> str:
    return req_str(data, "status")


def _received(data: Mapping[str, Any]) -> int:
    received = data.get("received")
    if not isinstance(received, int) or isinstance(received, bool):
        raise ValueError("received: expected a whole number")
    return received
