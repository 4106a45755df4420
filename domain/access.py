"""Who may read what: roles, scopes, token text and audit case ids, as pure rules.

A token has one role and any number of scopes. No scope: the whole ledger (for what its role may
read). ``org=ORG``: events whose actor belongs to ORG; ``account=ID``: that account's state,
timeline and diff, and the events that target it. Several scopes add up: an event is in scope when
its actor's org is one of the token's orgs OR its target is one of the token's accounts. An
account's state, timeline and diff fold every event of the account, whoever made it, so a scoped
token reads them only for an account named in an ``account=`` scope; an actor's page shows the
actor's engagement and roles, so a scoped token reads it only for an actor of one of its orgs
(and sees only the in-scope actions). The scope is applied in the ledger's query, never after
paging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from auditlog.domain.errors import BadInput


class Role(StrEnum):
    INVESTIGATOR = "investigator"  # events and state, within scope, each read with a case
    ONCALL = "oncall"  # lag and verify results, never event contents
    AUDITOR = "auditor"  # the reads log and verify results
    ADMIN = "admin"  # manages tokens


ROLES = tuple(r.value for r in Role)
TOKEN_PREFIX = "tok_"
_ID = re.compile(r"^tok_[A-Za-z0-9_-]{8,64}$")
_TOKEN = re.compile(r"^(tok_[A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{16,128})$")
_CASE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$")
_SCOPE_KINDS = ("org", "account")


@dataclass(frozen=True)
class Scope:
    """What a token may see; both empty: everything its role may read."""

    orgs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    @property
    def unlimited(self) -> bool:
        return not self.orgs and not self.accounts

    def covers_account(self, account: str) -> bool:
        """May this scope read the account's state, timeline or diff?"""
        return self.unlimited or account in self.accounts

    def covers_actor_org(self, org: str | None) -> bool:
        """May this scope read the page of an actor of ``org``?"""
        return self.unlimited or (org is not None and org in self.orgs)

    def covers_event(self, actor_org: str | None, target: str) -> bool:
        return self.unlimited or (actor_org is not None and actor_org in self.orgs) or target in self.accounts

    def as_texts(self) -> tuple[str, ...]:
        return tuple(f"org={o}" for o in self.orgs) + tuple(f"account={a}" for a in self.accounts)


UNLIMITED = Scope()


def parse_scopes(texts: tuple[str, ...] | list[str]) -> Scope:
    """``("org=vendor-b", "account=acct-1")`` -> Scope; a bad one is refused naming it."""
    orgs: list[str] = []
    accounts: list[str] = []
    for text in texts:
        kind, sep, value = text.partition("=")
        if not sep or kind not in _SCOPE_KINDS or not value.strip() or value != value.strip():
            raise BadInput(f"--scope: {text!r} is not org=ORG or account=ID")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise BadInput(f"--scope: {text!r} holds a control character")
        (orgs if kind == "org" else accounts).append(value)
    return Scope(tuple(sorted(set(orgs))), tuple(sorted(set(accounts))))


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError as exc:
        raise BadInput(f"--role: {text!r} is not one of {', '.join(ROLES)}") from exc


def token_id_of(token: str) -> str | None:
    """The id part of a token's text (``tok_....<secret>``), or None if it is not a token's shape."""
    match = _TOKEN.fullmatch(token)
    return match.group(1) if match else None


def valid_token_id(text: str) -> bool:
    return bool(_ID.fullmatch(text))


def parse_case(text: str | None) -> str | None:
    """An audit case id: 1-64 printable ASCII characters, no space at either end."""
    if text is None:
        return None
    if not _CASE.fullmatch(text):
        raise BadInput(f"case: {text[:80]!r} is not 1-64 printable ASCII characters without spaces at the ends")
    return text


_DURATION = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """``30d``, ``12h``, ``90m`` -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise BadInput(f"--expires: {text!r} is not a duration like 30d, 12h or 90m")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
