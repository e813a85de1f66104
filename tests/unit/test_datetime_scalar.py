"""The DateTime scalar hands resolvers UTC, whatever offset the client wrote."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schema.scalars import parse_datetime, serialize_datetime

INDIA = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("2026-11-27T09:00:00+00:00", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("2026-11-27T09:00:00Z", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("2026-11-27T14:30:00+05:30", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("2026-11-27T04:00:00-05:00", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("2026-11-27T09:00:00", datetime(2026, 11, 27, 9, 0)),  # no offset: as written
    ],
)
def test_input_is_converted_to_utc(written: str, parsed: datetime) -> None:
    value = parse_datetime(written)
    assert value == parsed
    assert value.utcoffset() == parsed.utcoffset()


@pytest.mark.parametrize("bad", ["yesterday", "", "2026-13-01T00:00:00+00:00", 20261127, None])
def test_what_is_not_a_datetime_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_datetime(bad)


def test_output_is_utc_with_its_offset() -> None:
    assert serialize_datetime(datetime(2026, 11, 27, 14, 30, tzinfo=INDIA)) == "2026-11-27T09:00:00+00:00"
    assert serialize_datetime(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)) == "2026-11-27T09:00:00+00:00"
