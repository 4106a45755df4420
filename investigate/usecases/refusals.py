"""Refusing a query: a ``BadInput`` whose reason names the query's fields, not a face's.

The CLI says ``--from``, an HTTP API would say ``from``: a refusal keeps which parts of its
reason are field names, so each face words them its own way and the rest stays one text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditlog.domain.errors import BadInput


@dataclass(frozen=True)
class Field:
    """A query field named in a refusal's reason."""

    name: str


class Refused(BadInput):
    """``Refused(Field("from"), " must not be later than ", Field("to"))``: the plain reason is
    "from must not be later than to"; ``worded(flag)`` puts each face's names in."""

    def __init__(self, *parts: str | Field) -> None:
        self.parts = parts
        super().__init__(self.worded(lambda name: name))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts if isinstance(p, Field))

    def worded(self, name_of: Callable[[str], str]) -> str:
        return "".join(name_of(p.name) if isinstance(p, Field) else p for p in self.parts)
