"""Wire ids (strings) to database ids, with a BAD_USER_INPUT naming the argument."""

from collections.abc import Sequence

from domain.rules import validation


def parse_id(value: str | int, field: str) -> int:
    return validation.entity_id(value, field=field)


def parse_optional_id(value: str | int | None, field: str) -> int | None:
    return None if value is None else validation.entity_id(value, field=field)


def parse_ids(values: Sequence[str] | None, field: str) -> list[int] | None:
    return None if values is None else [validation.entity_id(v, field=field) for v in values]
