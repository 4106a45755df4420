"""The projector's pause of Python's cyclic collector: off inside, as it was after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from auditlog.consumers import collector


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_turns_the_collector_off_inside_and_on_again_after(collector_enabled: None) -> None:
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_turns_it_on_again_when_the_block_raises(collector_enabled: None) -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("a page failed")
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off(collector_enabled: None) -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()
