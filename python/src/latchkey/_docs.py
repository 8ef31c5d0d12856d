"""Module functions carry the docstrings of the client methods they call."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def same_doc(method: Callable[..., Any]) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        function.__doc__ = method.__doc__
        return function

    return decorate
