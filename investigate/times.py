"""Reading and showing times: ISO-8601 with an offset, or a named zone given by ``--tz``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auditlog.domain.errors import BadInput


def zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder, a too-long name
        raise BadInput(f"--tz: unknown time zone {name!r} (try America/New_York or UTC)") from exc


def parse_time(text: str, tz: tzinfo | None, option: str) -> datetime:
    """An aware datetime from ISO-8601. A time without an offset is read in ``tz``;
    with no ``tz`` it is refused, because guessing a zone would make evidence ambiguous."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"{option}: {text!r} is not an ISO-8601 time like 2017-11-02T18:58:00-04:00") from exc
    if parsed.tzinfo is None:
        if tz is None:
            raise BadInput(f"{option}: {text!r} has no UTC offset; add one (e.g. -04:00) or pass --tz")
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def show(moment: datetime | None, tz: tzinfo | None) -> str:
    """ISO-8601 with offset, in the display zone (UTC by default)."""
    if moment is None:
        return "-"
    return moment.astimezone(tz or UTC).isoformat(timespec="seconds")


def span(delta: timedelta) -> str:
    """A duration as 11m12s / 2h03m05s."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
