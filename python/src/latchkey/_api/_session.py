"""What every namespace of a client shares: its transport, pages, and token rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar

from .._config import StoredCredentials, check_token, save_credentials
from .._fields import as_object
from .._http import Transport
from ..errors import InvalidResponseError

T = TypeVar("T")

# The largest page the API serves (it takes max_items from 1 to 100).
MAX_PAGE_SIZE = 100


def check_max_items(max_items: Optional[int]) -> None:
    if max_items is not None and (isinstance(max_items, bool) or max_items < 1):
        raise ValueError("max_items must be a positive integer, or None for every item")


def parse(what: str, data: object, parser: Callable[[Mapping[str, Any]], T]) -> T:
    """`data` (a response body) through `parser`, or an InvalidResponseError naming `what`."""
    try:
        return parser(as_object(data, "response"))
    except (ValueError, TypeError) as error:
        # The parsers' messages name fields, never values (responses hold credentials).
        raise InvalidResponseError(f"unexpected response to {what}: {error}") from error


class Session:
    """A client's connection to the API and where its token came from."""

    def __init__(self, transport: Transport, token_file: Optional[Path]) -> None:
        self.transport = transport
        self.token_file = token_file

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[Tuple[str, str]] = (),
        body: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        return self.transport.request(method, path, query=query, body=body)

    def fetch(
        self,
        method: str,
        path: str,
        parser: Callable[[Mapping[str, Any]], T],
        *,
        query: Sequence[Tuple[str, str]] = (),
        body: Optional[Mapping[str, Any]] = None,
    ) -> T:
        """One request whose answer is one object, parsed."""
        return parse(f"{method} {path}", self.call(method, path, query=query, body=body), parser)

    def collect(
        self,
        path: str,
        parser: Callable[[Mapping[str, Any]], T],
        *,
        max_items: Optional[int],
        filters: Sequence[Tuple[str, str]] = (),
    ) -> List[T]:
        """Up to `max_items` items of a list route (all when None), following `next_cursor`.

        Each page asks for what is still missing, at most the API's largest page (100),
        so `max_items=250` is three requests.
        """
        check_max_items(max_items)
        items: List[T] = []
        cursor: Optional[str] = None
        seen: Set[str] = set()
        while max_items is None or len(items) < max_items:
            wanted = MAX_PAGE_SIZE if max_items is None else min(max_items - len(items), MAX_PAGE_SIZE)
            query = [*filters, ("max_items", str(wanted))]
            if cursor is not None:
                query.append(("cursor", cursor))
            page, cursor = as_page(f"GET {path}", self.call("GET", path, query=query))
            items.extend(parse(f"GET {path}", item, parser) for item in page)
            if cursor is None:
                break
            if cursor in seen:
                raise InvalidResponseError(f"GET {path}: the server sent the same cursor twice")
            seen.add(cursor)
        return items if max_items is None else items[:max_items]

    def iterate(
        self,
        path: str,
        parser: Callable[[Mapping[str, Any]], T],
        *,
        page_size: int,
        filters: Sequence[Tuple[str, str]] = (),
    ) -> Iterator[T]:
        """Every item of a list route, a page of `page_size` (1-100) fetched when the
        iteration reaches it. Arguments are checked now, not at the first `next()`."""
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise ValueError(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
        return self._pages(path, parser, page_size, list(filters))

    def _pages(
        self,
        path: str,
        parser: Callable[[Mapping[str, Any]], T],
        page_size: int,
        filters: List[Tuple[str, str]],
    ) -> Iterator[T]:
        cursor: Optional[str] = None
        seen: Set[str] = set()
        while True:
            query = [*filters, ("max_items", str(page_size))]
            if cursor is not None:
                query.append(("cursor", cursor))
            page, cursor = as_page(f"GET {path}", self.call("GET", path, query=query))
            for item in page:
                yield parse(f"GET {path}", item, parser)
            if cursor is None:
                return
            if cursor in seen:
                raise InvalidResponseError(f"GET {path}: the server sent the same cursor twice")
            seen.add(cursor)

    def replace_token(self, token: str) -> None:
        """Use `token` from now on (after rotating one's own CLI token, the old one is dead).

        When the token came from the credentials file, the file gets the new one, as
        the CLI's `latchkey user rotate-cli-token` does, so the stored login keeps working.
        """
        self.transport.token = check_token(token)
        if self.token_file is not None:
            save_credentials(self.token_file, StoredCredentials(token=token, api_url=self.transport.api_url))


def as_page(what: str, data: object) -> Tuple[List[object], Optional[str]]:
    """A list response's items and next cursor."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InvalidResponseError(f"unexpected response to {what}: expected {{items, next_cursor}}")
    cursor = data.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidResponseError(f"unexpected response to {what}: next_cursor must be a string or null")
    return list(data["items"]), cursor or None
