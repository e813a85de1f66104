"""The backup format, pure: values to portable JSON and back, and the checks a file must pass
before anything is restored from it."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from uuid import UUID

import pytest

from domain.rules.backup_format import (
    FORMAT_VERSION,
    MANIFEST_MEMBER,
    BackupFormatError,
    Kind,
    Manifest,
    MemberEntry,
    TableEntry,
    attachment_member,
    check_member,
    check_member_names,
    check_migrations,
    decode,
    encode,
    encode_row,
    iter_rows,
    parse_manifest,
    read_rows,
    sha256_hex,
    split_lines,
)


class Colour(str, Enum):
    RED = "RED"


class Level(IntEnum):
    HIGH = 2


PARIS = timezone(timedelta(hours=2))

# kind, Python value, its portable form, the enum to decode with
ROUND_TRIPS: list[tuple[Kind, object, object, type[Enum] | None]] = [
    (Kind.INT, 42, 42, None),
    (Kind.INT, -(2**62), -(2**62), None),
    (Kind.FLOAT, 0.25, 0.25, None),
    (Kind.BOOL, True, True, None),
    (Kind.BOOL, False, False, None),
    (Kind.TEXT, 'Grüße \u2603 \n"quoted"', 'Grüße \u2603 \n"quoted"', None),
    (Kind.DECIMAL, Decimal("12.3400"), "12.3400", None),
    (
        Kind.DATETIME,
        datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC),
        "2026-03-29T01:30:00.123456+00:00",
        None,
    ),
    (Kind.DATE, date(2026, 12, 25), "2026-12-25", None),
    (Kind.UUID, UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678", None),
    (
        Kind.JSON,
        {"b": [1, 2, {"z": None, "a": True}], "a": "x"},
        {"a": "x", "b": [1, 2, {"a": True, "z": None}]},
        None,
    ),
    (Kind.JSON, "a bare JSON string", "a bare JSON string", None),
    (Kind.JSON, [], [], None),
    (Kind.BYTES, b"\x00\xff\x10embedding", "AP8QZW1iZWRkaW5n", None),
    (Kind.BYTES, b"", "", None),
    (Kind.ENUM, Colour.RED, "RED", Colour),
    (Kind.ENUM, Level.HIGH, 2, Level),
]


@pytest.mark.parametrize(("kind", "value", "portable", "enum"), ROUND_TRIPS)
def test_values_round_trip_through_their_portable_form(
    kind: Kind, value: object, portable: object, enum: type[Enum] | None
) -> None:
    encoded = encode(kind, value)
    assert encoded == portable
    # what is written is JSON, and reads back the same
    assert json.loads(json.dumps(encoded)) == portable
    assert decode(kind, encoded, enum) == value
    if enum is not None:
        assert type(decode(kind, encoded, enum)) is enum


@pytest.mark.parametrize("kind", list(Kind))
def test_null_is_null_in_every_kind(kind: Kind) -> None:
    assert encode(kind, None) is None and decode(kind, None) is None


def test_datetimes_are_written_in_utc_whatever_their_zone() -> None:
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=PARIS)
    assert encode(Kind.DATETIME, moment) == "2026-06-01T10:00:00+00:00"
    back = decode(Kind.DATETIME, "2026-06-01T12:00:00+02:00")
    assert back == moment and isinstance(back, datetime) and back.utcoffset() == timedelta(0)


def test_sqlite_booleans_are_written_as_booleans() -> None:
    assert encode(Kind.BOOL, 1) is True and encode(Kind.BOOL, 0) is False


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (Kind.DATETIME, datetime(2026, 1, 1)),  # naive: which zone?
        (Kind.DATETIME, "2026-01-01"),
        (Kind.INT, True),
        (Kind.INT, "1"),
        (Kind.BOOL, 2),
        (Kind.TEXT, 5),
        (Kind.BYTES, "text"),
        (Kind.FLOAT, float("nan")),
        (Kind.JSON, {"set": {1, 2}}),
    ],
)
def test_values_that_cannot_travel_are_refused_at_backup(kind: Kind, value: object) -> None:
    with pytest.raises(BackupFormatError):
        encode(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (Kind.DATETIME, "2026-01-01T10:00:00"),  # no offset
        (Kind.DATETIME, "yesterday"),
        (Kind.INT, 1.5),
        (Kind.INT, False),
        (Kind.BOOL, 1),
        (Kind.BYTES, "not base64!"),
        (Kind.DECIMAL, "twelve"),
        (Kind.DATE, 20261225),
        (Kind.TEXT, ["x"]),
        (Kind.ENUM, True),
    ],
)
def test_damaged_values_are_refused_at_restore(kind: Kind, value: object) -> None:
    with pytest.raises(BackupFormatError):
        decode(kind, value)  # type: ignore[arg-type]


def test_an_unknown_enum_value_is_refused() -> None:
    with pytest.raises(ValueError):
        decode(Kind.ENUM, "BLUE", Colour)


# --- the manifest and the checks of a file --------------------------------------------------

ROWS = encode_row({"id": 1, "name": "a"}) + encode_row({"id": 2, "name": "b"})
SECOND = b"second member"
FILE = b"attachment bytes"
DIGEST = sha256_hex(FILE)


def manifest(**changes: object) -> Manifest:
    members = {
        "tables/001-things.jsonl": MemberEntry(sha256_hex(ROWS), len(ROWS)),
        attachment_member(DIGEST): MemberEntry(DIGEST, len(FILE)),
    }
    fields: dict[str, object] = {
        "format_version": FORMAT_VERSION,
        "created_at": datetime(2026, 11, 1, tzinfo=UTC),
        "source_dialect": "sqlite",
        "migrations": ["0001_initial", "0002_more"],
        "tables": [
            TableEntry("things", "Thing", "tables/001-things.jsonl", 2, {"id": "int", "name": "text"})
        ],
        "members": members,
        "attachments": [DIGEST],
        "missing_attachments": [],
    }
    fields.update(changes)
    return Manifest(**fields)  # type: ignore[arg-type]


def test_a_manifest_reads_back_as_written() -> None:
    written = manifest()
    read = parse_manifest(written.to_json())
    assert read == written
    assert read.migration_level == "0002_more" and read.total_rows == 2


def test_a_newer_format_version_is_refused() -> None:
    document = json.loads(manifest().to_json())
    document["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(BackupFormatError, match="newer"):
        parse_manifest(json.dumps(document).encode())


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("tables"),
        lambda d: d.update(format="something-else"),
        lambda d: d.update(format_version="1"),
        lambda d: d["tables"][0].update(rows=-1),
        lambda d: d["tables"][0].update(columns={"id": "complex"}),
        lambda d: d["members"].pop("tables/001-things.jsonl"),
        lambda d: d["members"].pop(attachment_member(DIGEST)),
        lambda d: d.update(created_at="2026-11-01T00:00:00"),
    ],
)
def test_a_malformed_manifest_is_refused(damage: object) -> None:
    document = json.loads(manifest().to_json())
    damage(document)  # type: ignore[operator]
    with pytest.raises(BackupFormatError):
        parse_manifest(json.dumps(document).encode())


@pytest.mark.parametrize(
    "digest",
    [
        # a path: "attachments/../../<digest>" would name a file outside the store (zip slip)
        f"../../../../tmp/{DIGEST}",
        f"ab/{DIGEST}",
        DIGEST.upper(),
        DIGEST[:-1],
        "",
    ],
)
def test_an_attachment_digest_must_be_a_sha256_not_a_path(digest: str) -> None:
    # The member is listed too, with the content's real checksum (which is what the
    # member name's last part is compared with): only the digest itself is wrong.
    document = json.loads(manifest().to_json())
    document["attachments"]["files"] = [digest]
    document["members"][attachment_member(digest)] = document["members"].pop(attachment_member(DIGEST))
    with pytest.raises(BackupFormatError, match="digest"):
        parse_manifest(json.dumps(document).encode())
    document = json.loads(manifest().to_json())
    document["attachments"]["missing"] = [digest]
    with pytest.raises(BackupFormatError, match="digest"):
        parse_manifest(json.dumps(document).encode())


def test_not_json_is_not_a_manifest() -> None:
    with pytest.raises(BackupFormatError):
        parse_manifest(b"PK\x03\x04")


def test_members_must_match_their_checksums() -> None:
    entry = manifest().members["tables/001-things.jsonl"]
    check_member("tables/001-things.jsonl", entry, ROWS)
    with pytest.raises(BackupFormatError, match="checksum"):
        check_member("tables/001-things.jsonl", entry, ROWS.replace(b'"a"', b'"x"'))
    with pytest.raises(BackupFormatError, match="checksum"):
        check_member("tables/001-things.jsonl", entry, ROWS[:-3])


def test_an_attachment_must_be_the_content_its_name_says() -> None:
    other = b"other bytes"
    name = attachment_member(DIGEST)
    with pytest.raises(BackupFormatError):
        # consistent with a forged manifest entry, but not with its own name
        check_member(name, MemberEntry(sha256_hex(other), len(other)), other)


def test_a_missing_or_an_extra_member_is_refused() -> None:
    written = manifest()
    complete = {*written.members, MANIFEST_MEMBER}
    check_member_names(written, complete)
    with pytest.raises(BackupFormatError, match="missing"):
        check_member_names(written, complete - {"tables/001-things.jsonl"})
    with pytest.raises(BackupFormatError, match="not in the manifest"):
        check_member_names(written, complete | {"tables/002-smuggled.jsonl"})


def test_row_counts_and_columns_are_checked() -> None:
    entry = manifest().tables[0]
    assert read_rows(entry, ROWS) == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    with pytest.raises(BackupFormatError, match="manifest says"):
        read_rows(entry, ROWS + encode_row({"id": 3, "name": "c"}))
    with pytest.raises(BackupFormatError, match="columns"):
        read_rows(entry, encode_row({"id": 1}) + encode_row({"id": 2, "name": "b"}))
    with pytest.raises(BackupFormatError, match="newline"):
        read_rows(entry, ROWS[:-1])
    with pytest.raises(BackupFormatError, match="not JSON"):
        read_rows(entry, b"{not json\n" + encode_row({"id": 2, "name": "b"}))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_lines_read_in_chunks_of_any_size_are_the_same_lines(size: int) -> None:
    data = ROWS + encode_row({"id": 3, "name": "a line longer than the chunks, with\\n an escape"})
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert list(split_lines("m", chunks)) == data.split(b"\n")[:-1]
    with pytest.raises(BackupFormatError, match="newline"):
        list(split_lines("m", chunks[:-1]))


def test_rows_stream_one_at_a_time_and_the_count_is_checked_at_the_end() -> None:
    entry = manifest().tables[0]
    rows = iter_rows(entry, split_lines(entry.member, [ROWS, encode_row({"id": 3, "name": "c"})]))
    assert next(rows) == {"id": 1, "name": "a"}  # read before the rest is
    with pytest.raises(BackupFormatError, match="holds 3 rows, the manifest says 2"):
        list(rows)


@pytest.mark.parametrize(
    ("backup", "ok"),
    [
        (["0001_initial", "0002_more"], True),
        (["0001_initial"], True),  # older schema: later columns take their defaults
        (["0001_initial", "0002_more", "0003_future"], False),  # from a newer helpdesk
        (["0002_more"], False),
    ],
)
def test_the_backups_schema_level_must_be_known_here(backup: list[str], ok: bool) -> None:
    known = ["0001_initial", "0002_more"]
    if ok:
        check_migrations(backup, known)
    else:
        with pytest.raises(BackupFormatError):
            check_migrations(backup, known)
