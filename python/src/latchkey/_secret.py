"""Credentials returned by the API: plain strings whose repr never shows them."""

from __future__ import annotations

# A token shorter than this is not a latchkey token (those are 97 characters); showing its
# last six characters could show most of it, so it is hidden entirely.
_MIN_LENGTH_TO_HINT = 24


def mask(token: str) -> str:
    """What a repr shows in place of `token`: its last six characters at most.

    The last six characters are what the API itself shows to identify a credential
    (`last_six`); for a latchkey token they are its checksum, not its secret part.
    """
    if len(token) >= _MIN_LENGTH_TO_HINT:
        return f"<secret …{token[-6:]}>"
    return "<secret>"


class Secret(str):
    """A credential the API returned once (API key, CLI token, access token).

    It is a `str` in every respect (compare it, send it, write it to a secret store,
    `print` it) except its `repr`, which is masked, so a debugger, a log of `repr()` or a
    test failure never shows it whole.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return mask(self)
