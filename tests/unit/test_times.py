from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from auditlog.domain.errors import BadInput
from auditlog.investigate.times import parse_time, show, span, zone

EASTERN = ZoneInfo("America/New_York")


def test_times_with_an_offset_or_z_are_read_as_written() -> None:
    assert parse_time("2017-11-02T18:58:02-04:00", None, "--at") == datetime(2017, 11, 2, 22, 58, 2, tzinfo=UTC)
    assert parse_time("2017-11-02T22:58:02Z", None, "--at") == datetime(2017, 11, 2, 22, 58, 2, tzinfo=UTC)


def test_a_time_without_offset_is_refused_unless_a_zone_is_given() -> None:
    with pytest.raises(BadInput, match="--at: .* has no UTC offset"):
        parse_time("2017-11-02T18:58", None, "--at")
    # 2 Nov 2017 is still daylight time in New York: 18:58 EDT is 22:58 UTC
    assert parse_time("2017-11-02T18:58", zone("America/New_York"), "--at") == datetime(
        2017, 11, 2, 22, 58, tzinfo=UTC)


def test_nonsense_times_and_zones_get_one_line_reasons() -> None:
    with pytest.raises(BadInput, match="--to: 'tomorrow' is not an ISO-8601 time"):
        parse_time("tomorrow", None, "--to")
    with pytest.raises(BadInput, match="unknown time zone"):
        zone("Mars/Olympus")


def test_show_uses_the_display_zone_with_its_offset() -> None:
    moment = datetime(2017, 11, 2, 22, 58, 2, tzinfo=UTC)
    assert show(moment, EASTERN) == "2017-11-02T18:58:02-04:00"
    assert show(moment, None) == "2017-11-02T22:58:02+00:00"


def test_span_reads_like_a_person_would_say_it() -> None:
    assert span(timedelta(minutes=11, seconds=12)) == "11m12s"
    assert span(timedelta(hours=2, minutes=3, seconds=5)) == "2h03m05s"
