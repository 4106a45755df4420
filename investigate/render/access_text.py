"""Tokens and the reads log as tables (their JSON is in ``render/json.py``)."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from auditlog.investigate.render.text import table
from auditlog.investigate.times import show

if TYPE_CHECKING:
    from auditlog.investigate.usecases.access import NewToken, ReadsPage
    from auditlog.ledger.access import StoredToken


def new_token(made: NewToken, tz: tzinfo | None) -> list[str]:
    return [made.token,
            f"(token {made.stored.id}, role {made.stored.role}, scopes {' '.join(made.stored.scopes) or '-'}, "
            f"expires {show(made.stored.expires_at, tz)}; shown once: the ledger keeps only its hash)"]


def token_list(tokens: list[StoredToken], tz: tzinfo | None) -> list[str]:
    rows = [[t.id, t.role, " ".join(t.scopes) or "-", show(t.created_at, tz), show(t.expires_at, tz),
             show(t.revoked_at, tz) if t.revoked_at else "-"] for t in tokens]
    return table(["id", "role", "scopes", "created_at", "expires_at", "revoked_at"], rows) + [f"({len(rows)} tokens)"]


def reads_page(page: ReadsPage, tz: tzinfo | None) -> list[str]:
    rows = [[show(r.read_at, tz), r.token_id or "cli", r.role, r.case_id or "-", r.route, r.client, r.params]
            for r in page.reads]
    lines = table(["read_at", "token", "role", "case", "route", "client", "params"], rows)
    more = f"; more with --before {page.next_before}" if page.next_before is not None else ""
    return [*lines, f"({len(rows)} reads{more})"]
