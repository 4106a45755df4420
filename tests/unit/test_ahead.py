"""``ledger.ahead``: a thread fetches the next page while the caller works on the last; pages come
in order up to the first empty one, a fetch's error reaches the caller, and leaving early stops
the thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from auditlog.ledger.ahead import ahead

PAGES = [[1, 2], [3], [4, 5, 6]]


def _fetch(pages: list[list[int]]) -> tuple[Callable[[], list[int]], list[int]]:
    """A fetch over ``pages`` (an empty page after them), and the count of calls it has had."""
    source = iter([*pages, [], [99]])
    asked = [0]

    def fetch() -> list[int]:
        asked[0] += 1
        return next(source)

    return fetch, asked


def test_every_page_comes_in_order_and_none_is_asked_for_after_the_empty_one() -> None:
    fetch, asked = _fetch(PAGES)
    with ahead(fetch) as pages:
        assert list(pages) == PAGES
    assert asked[0] == len(PAGES) + 1


def test_the_next_page_is_asked_for_while_the_caller_holds_the_last() -> None:
    second = threading.Event()
    source = iter([[1], [2], []])

    def fetch() -> Sequence[int]:
        page = next(source)
        if page == [2]:
            second.set()
        return page

    with ahead(fetch) as pages:
        assert next(pages) == [1]
        assert second.wait(10), "page 2 was not fetched while the caller held page 1"
        assert list(pages) == [[2]]


def test_a_fetch_error_reaches_the_caller_after_the_pages_before_it() -> None:
    source = iter([[1], [2]])

    def fetch() -> list[int]:
        page = next(source, None)
        if page is None:
            raise OSError("connection lost")
        return page

    got = []
    with pytest.raises(OSError, match="connection lost"), ahead(fetch) as pages:
        for page in pages:
            got.append(page)
    assert got == [[1], [2]]


def test_leaving_early_stops_the_thread_and_asks_for_nothing_more() -> None:
    asked = [0]

    def endless() -> list[int]:
        asked[0] += 1
        return [asked[0]]

    with ahead(endless, depth=2) as pages:
        assert next(pages) == [1]
    after = asked[0]
    assert not [t for t in threading.enumerate() if t.name == "ledger-ahead"]
    assert asked[0] == after and after <= 4  # the page taken, two waiting, one being handed over
