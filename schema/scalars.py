"""The DateTime scalar as the contract states it: ISO-8601, always UTC with an offset.

Input at another offset is converted to UTC when it is parsed. On SQLite, tortoise stores
datetimes as UTC text and compares a filter's value as text too, so a bound written at
+05:30 would be compared with UTC strings and cut the wrong rows (slaAttainment, kpis and
classifierAccuracy periods, on-call overrides). Input without an offset is passed on as
written: the resolvers that need an offset say so.
"""

from datetime import UTC, datetime

import strawberry


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f'Value cannot represent a DateTime: "{value}".') from None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed


def serialize_datetime(value: datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()


UtcDateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time (ISO-8601), in UTC with its offset; input at another offset is converted.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
