"""What the command groups share: display options, argument types, printing, the ledger door."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from auditlog.domain.settings import Settings

if TYPE_CHECKING:
    from auditlog.ledger.gateway import Ledger

# what each group's register() is given (argparse has no public name for it), and what it sets as handler
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler: TypeAlias = Callable[[argparse.Namespace, Settings], int]


class HelpText(argparse.HelpFormatter):
    """Paragraphs (split by blank lines) are wrapped to the terminal as argparse does; a paragraph
    with an indented line (examples, a JSON line) is kept exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.strip("\n").split("\n\n"):
            if any(line.startswith("  ") for line in block.splitlines()):
                blocks.append("\n".join(indent + line for line in block.splitlines()))
            else:
                blocks.append(super()._fill_text(block, width, indent))
        return "\n\n".join(blocks)


def command(sub: Subparsers, name: str, summary: str, description: str | None = None,
            examples: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """A subcommand: ``summary`` in the list of commands, ``description`` and ``examples`` in its --help."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples) if examples else None
    return sub.add_parser(name, help=summary, description=description or summary[:1].upper() + summary[1:] + ".",
                          epilog=epilog, formatter_class=HelpText)


def display_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--tz", help="display zone, and zone for times without an offset")


def whole_number(text: str) -> int:
    """A whole number >= 0, or argparse's one-line error."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def print_lines(lines: Iterable[str], out: TextIO | None = None) -> None:
    for line in lines:
        print(line, file=out or sys.stdout)


def show(args: argparse.Namespace, as_json: Callable[..., Any], as_text: Callable[..., Iterable[str]],
         answer: Any, *context: Any) -> int:
    """Print ``answer`` through its shape's JSON renderer with --json, else its text renderer."""
    if args.json:
        from auditlog.investigate.render.json import document

        print(document(as_json(answer, *context)))
    else:
        print_lines(as_text(answer, *context))
    return 0


@contextmanager
def open_ledger(settings: Settings) -> Iterator[Ledger]:
    from auditlog.ledger.gateway import Ledger  # psycopg: only for the commands that use the ledger

    with Ledger.from_settings(settings) as ledger:
        yield ledger
