"""Access to the ledger's contents: API tokens (create, list, revoke, authenticate) and the reads
log (record a read before it is answered; list them for auditors).

A token's text is ``tok_<id>.<secret>``; the ledger keeps its SHA-256 only, so the text is shown
once, when it is made. Every face that answers a read of ledger contents records it first
(``record_read``) and answers nothing when the record cannot be written.
"""

from __future__ import annotations

import asyncio
import json
import queue
import secrets
import threading
import time
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditlog.domain.access import Role, Scope, parse_scopes, token_id_of
from auditlog.domain.errors import BadInput, ServiceUnavailable
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger.access import Read, ReadFilter, StoredRead, StoredToken, TokenRefused, token_hash
from auditlog.ledger.gateway import Ledger

DEFAULT_EXPIRY_S = 30 * 86400
MAX_EXPIRY_S = 400 * 86400


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never stored
    stored: StoredToken


@dataclass(frozen=True)
class Principal:
    """Who is asking, as a valid token says."""

    token_id: str
    role: Role
    scope: Scope
    expires_at: datetime


class Unauthenticated(Exception):
    """No usable token: missing, unknown, expired or revoked (the reason says which, never the text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_token(ledger: Ledger, role: Role, scopes: Scope, expires_in_s: int, created_by: str) -> NewToken:
    if not 60 <= expires_in_s <= MAX_EXPIRY_S:
        raise BadInput(f"--expires: must be between 1m and {MAX_EXPIRY_S // 86400}d")
    token_id = "tok_" + secrets.token_urlsafe(12)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    with ledger.writing() as unit:
        stored = unit.create_token(token_id, token, role.value, scopes.as_texts(), expires_in_s, created_by)
    return NewToken(token, stored)


def list_tokens(ledger: Ledger) -> list[StoredToken]:
    with ledger.reading() as unit:
        return unit.tokens()


def revoke_token(ledger: Ledger, token_id: str, revoked_by: str) -> bool:
    """True: revoked now; False: it already was. Unknown: refused."""
    with ledger.writing() as unit:
        done = unit.revoke_token(token_id, revoked_by)
    if done is None:
        raise BadInput(f"no token {token_id!r} (`auditlog tokens list` shows them)")
    return done


def authenticate(ledger: Ledger, token: str | None) -> Principal:
    if not token:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer TOKEN)")
    if token_id_of(token) is None:
        raise Unauthenticated("the bearer token is not one auditlog made")
    with ledger.reading() as unit:
        stored = unit.find_token(token)
    if stored is None:
        raise Unauthenticated("the bearer token is unknown")
    if stored.revoked_at is not None:
        raise Unauthenticated(f"token {stored.id} was revoked")
    if stored.expired:
        raise Unauthenticated(f"token {stored.id} has expired")
    return Principal(stored.id, Role(stored.role), parse_scopes(list(stored.scopes)), stored.expires_at)


class KnownTokens:
    """Tokens found valid, remembered for ``keep_s`` by the process that serves them, so a busy
    client's every request need not ask the ledger who it is. Only for reads that go on the
    record: ``record_read`` checks, with the append, that the token is still neither revoked nor
    expired, so a revocation stops the next read at once all the same. Kept by the token's
    SHA-256, never its text; a token that fails is not kept. Used from the server's event loop
    and its threads at once, hence the lock."""

    def __init__(self, keep_s: float = 30.0, capacity: int = 4096) -> None:
        self._keep_s = keep_s
        self._capacity = capacity
        self._known: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def known(self, token: str | None) -> Principal | None:
        """The principal behind ``token`` if it was found valid lately and has not expired since."""
        if not token:
            return None
        key = token_hash(token)
        with self._lock:
            found = self._known.get(key)
            if found is None:
                return None
            principal, found_at = found
            if time.monotonic() - found_at <= self._keep_s and principal.expires_at > datetime.now(UTC):
                return principal
            del self._known[key]
            return None

    def authenticate(self, ledger: Ledger, token: str | None) -> Principal:
        """``authenticate``, asking the ledger, and remember the principal."""
        principal = authenticate(ledger, token)
        assert token is not None
        with self._lock:
            if len(self._known) >= self._capacity:
                self._known.clear()
            self._known[token_hash(token)] = (principal, time.monotonic())
        return principal

    def forget(self, token_id: str) -> None:
        """Forget the token ``token_id`` (found revoked or expired)."""
        with self._lock:
            for key in [k for k, (p, _) in self._known.items() if p.token_id == token_id]:
                del self._known[key]


# -- the reads log ----------------------------------------------------------------------------


def canonical(params: dict[str, Any]) -> str:
    """A read's parameters as recorded: the ones given, as JSON with sorted keys."""
    return json.dumps({k: v for k, v in params.items() if v is not None}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str)


def record_read(ledger: Ledger, read: Read) -> StoredRead:
    """Append the read to the ledger and commit; raises (and nothing may be answered) if it cannot:
    ``Unauthenticated`` if its token was revoked or expired since it was looked up."""
    try:
        with ledger.recording() as unit:
            return unit.record_read(read)
    except TokenRefused as exc:
        raise Unauthenticated(exc.reason) from None


class ReadRecorder:
    """Records the reads of a server's requests, those that arrive together in one transaction.

    Each read of ledger contents must be committed before it is answered, and the read chain
    takes one append at a time: one transaction (and one commit to wait for) per request made
    every request queue behind the chain's lock. Here a thread of its own appends what is
    waiting, up to ``batch`` reads, in one transaction; each caller waits for the commit that
    holds its read (``record``) and gets its own answer: recorded, its token refused
    (``Unauthenticated``), or the reason nothing was recorded."""

    def __init__(self, ledger: Ledger, batch: int = 256, wait_s: float = 30.0) -> None:
        self._ledger = ledger
        self._batch = batch
        self._wait_s = wait_s
        self._waiting: queue.SimpleQueue[tuple[Read, Future[StoredRead]] | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="read-recorder", daemon=True)
        self._thread.start()

    def record(self, read: Read) -> StoredRead:
        """Put ``read`` on the record; returns once it is committed, raises if it cannot be."""
        try:
            return self._submit(read).result(timeout=self._wait_s)
        except FutureTimeout:  # recorded later or never: either way, not answered
            raise self._late() from None

    async def record_async(self, read: Read) -> StoredRead:
        """``record`` awaited on an event loop: the caller holds no thread while the batch commits."""
        try:
            async with asyncio.timeout(self._wait_s):
                return await asyncio.wrap_future(self._submit(read))
        except TimeoutError:
            raise self._late() from None

    def _submit(self, read: Read) -> Future[StoredRead]:
        if self._closed:
            raise ServiceUnavailable("the server is stopping: the read could not be put on the record")
        done: Future[StoredRead] = Future()
        self._waiting.put((read, done))
        return done

    def _late(self) -> ServiceUnavailable:
        return ServiceUnavailable(f"the read was not put on the record within {self._wait_s:g} s")

    def close(self) -> None:
        """Record what is waiting, then stop."""
        self._closed = True
        self._waiting.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._waiting.get()
            if first is None:
                return
            batch, stop = [first], False
            while len(batch) < self._batch:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._record(batch)
            if stop:
                return

    def _record(self, batch: list[tuple[Read, Future[StoredRead]]]) -> None:
        try:
            with self._ledger.recording() as unit:
                answers = unit.record_reads([read for read, _ in batch])
        except Exception as exc:  # nothing of the batch was recorded: each caller hears why
            for _, done in batch:
                _tell(done, exc)
            return
        for (_, done), answer in zip(batch, answers, strict=True):
            _tell(done, Unauthenticated(answer.reason) if isinstance(answer, TokenRefused) else answer)


def _tell(done: Future[StoredRead], answer: StoredRead | Exception) -> None:
    """Answer a caller, unless it stopped waiting: an awaiting request that timed out or whose client
    went away cancels its future (its read stays recorded, unanswered), and the recorder goes on."""
    try:
        if isinstance(answer, Exception):
            done.set_exception(answer)
        else:
            done.set_result(answer)
    except InvalidStateError:
        pass


@dataclass(frozen=True)
class ReadsQuery:
    case_id: str | None = None
    token_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 100
    before: int | None = None  # the previous page's ``next``


@dataclass(frozen=True)
class ReadsPage:
    reads: tuple[StoredRead, ...]
    next_before: int | None


def list_reads(ledger: Ledger, query: ReadsQuery) -> ReadsPage:
    """Newest first, a page at a time."""
    if query.limit < 1:
        raise Refused(Field("limit"), ": must be at least 1")
    for name, moment in (("from", query.start), ("to", query.end)):
        if moment is not None and moment.utcoffset() is None:
            raise Refused(Field(name), f": {moment.isoformat()!r} has no UTC offset")
    where = ReadFilter(query.case_id, query.token_id, query.start, query.end, query.before)
    with ledger.reading() as unit:
        rows = unit.reads(where, query.limit + 1)
    page = tuple(rows[: query.limit])
    return ReadsPage(page, page[-1].seq if len(rows) > query.limit and page else None)
