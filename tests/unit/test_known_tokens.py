"""The API's memory of tokens found valid, as logic: what it keeps, for how long, and what it
forgets. The ledger is a stand-in that answers the lookup and counts it (the real lookup, and
a revocation stopping a remembered token's next read: tests/integration/test_api.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from auditlog.investigate.usecases.access import KnownTokens, Unauthenticated
from auditlog.ledger.access import StoredToken
from auditlog.ledger.gateway import Ledger

TOKEN = "tok_abcdefghijklmnop.secretsecretsecretsecret"


class _Ledger:
    def __init__(self, expires_in: timedelta = timedelta(hours=1), revoked: bool = False) -> None:
        now = datetime.now(UTC)
        self.stored = StoredToken("tok_abcdefghijklmnop", "investigator", (), now, "tests", now + expires_in,
                                  now if revoked else None, "tests" if revoked else None)
        self.lookups = 0

    @contextmanager
    def reading(self) -> Iterator[_Ledger]:
        yield self

    def find_token(self, token: str) -> StoredToken | None:
        self.lookups += 1
        return self.stored if token == TOKEN else None


def _ledger(ledger: _Ledger) -> Ledger:
    return cast(Ledger, ledger)


def test_a_token_found_valid_is_known_without_asking_again() -> None:
    ledger, tokens = _Ledger(), KnownTokens()
    assert tokens.known(TOKEN) is None
    found = tokens.authenticate(_ledger(ledger), TOKEN)
    assert tokens.known(TOKEN) == found and ledger.lookups == 1


def test_it_is_kept_for_keep_s_only() -> None:
    tokens = KnownTokens(keep_s=0.0)
    tokens.authenticate(_ledger(_Ledger()), TOKEN)
    assert tokens.known(TOKEN) is None


def test_a_token_that_expires_meanwhile_is_not_known() -> None:
    tokens = KnownTokens()
    ledger = _Ledger(expires_in=timedelta(milliseconds=50))
    tokens.authenticate(_ledger(ledger), TOKEN)
    time.sleep(0.06)
    assert tokens.known(TOKEN) is None


def test_a_refused_token_is_not_kept_and_a_forgotten_one_is_asked_again() -> None:
    tokens = KnownTokens()
    with pytest.raises(Unauthenticated, match="revoked"):
        tokens.authenticate(_ledger(_Ledger(revoked=True)), TOKEN)
    assert tokens.known(TOKEN) is None
    tokens.authenticate(_ledger(_Ledger()), TOKEN)
    tokens.forget("tok_abcdefghijklmnop")
    assert tokens.known(TOKEN) is None


def test_other_text_is_not_known() -> None:
    tokens = KnownTokens()
    tokens.authenticate(_ledger(_Ledger()), TOKEN)
    assert tokens.known(TOKEN + "x") is None and tokens.known(None) is None and tokens.known("") is None
