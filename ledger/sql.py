"""Named queries: ``query("name")`` is the text of ``ledger/queries/name.sql``."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def query(name: str) -> str:
    return resources.files(__package__).joinpath("queries", f"{name}.sql").read_text(encoding="utf-8")
