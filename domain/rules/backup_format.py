"""The backup file's format, pure: how values become portable JSON and back, what the
manifest says, and how a file is checked before anything is restored from it.

No tortoise or I/O here: the service (`domain/services/backup.py`) maps each column to a
`Kind`, hands member bytes in, and gets typed values or a `BackupFormatError` out."""

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

FORMAT_NAME = "helpdesk-backup"
# Bump when a reader of the previous version could misread a new file; a reader refuses
# versions newer than its own rather than guessing.
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
SECRET_KEY_MEMBER = "secret_key"
# An attachment is named by its content's SHA-256, which restore turns into a path under the
# store: anything but 64 lower-case hex digits ("../..", a slash) is refused in the manifest.
_DIGEST = re.compile(r"[0-9a-f]{64}")

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]


class BackupFormatError(ValueError):
    """The file (or a value in it) is not what a backup of this desk must be."""


class Kind(StrEnum):
    # How a column's values travel; the service derives it from the field class.
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TEXT = "text"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    DATE = "date"
    UUID = "uuid"
    JSON = "json"
    BYTES = "bytes"
    ENUM = "enum"


def encode(kind: Kind, value: object) -> JsonValue:
    """A Python value read from the database as plain JSON: datetimes ISO-8601 in UTC, enums by
    value, JSON fields as JSON, bytes as base64, decimals as strings (exact)."""
    if value is None:
        return None
    match kind:
        case Kind.DATETIME:
            if not isinstance(value, datetime):
                raise BackupFormatError(f"not a datetime: {value!r}")
            if value.tzinfo is None:
                # A naive time has no place in a portable file: which zone would it be in?
                raise BackupFormatError(f"naive datetime {value!r}")
            return value.astimezone(UTC).isoformat()
        case Kind.DATE:
            if not isinstance(value, date):
                raise BackupFormatError(f"not a date: {value!r}")
            return value.isoformat()
        case Kind.ENUM:
            raw = value.value if isinstance(value, Enum) else value
            if not isinstance(raw, (str, int)) or isinstance(raw, bool):
                raise BackupFormatError(f"not an enum value: {value!r}")
            return raw
        case Kind.BYTES:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise BackupFormatError(f"not bytes: {value!r}")
            return base64.b64encode(bytes(value)).decode("ascii")
        case Kind.DECIMAL:
            if not isinstance(value, (Decimal, int)):
                raise BackupFormatError(f"not a decimal: {value!r}")
            return str(value)
        case Kind.UUID:
            return str(UUID(str(value)))
        case Kind.JSON:
            # Round-trip through the encoder so anything that is not JSON fails here, at
            # backup time, not at restore time; keys sorted, because PostgreSQL's jsonb keeps
            # its own order and equal desks should give equal files.
            try:
                return json.loads(json.dumps(value, allow_nan=False, sort_keys=True))  # type: ignore[no-any-return]
            except (TypeError, ValueError) as error:
                raise BackupFormatError(f"not JSON: {value!r}") from error
        case Kind.FLOAT:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise BackupFormatError(f"not a finite number: {value!r}")
            return float(value)
        case Kind.INT:
            if not isinstance(value, int) or isinstance(value, bool):
                raise BackupFormatError(f"not an integer: {value!r}")
            return value
        case Kind.BOOL:
            if isinstance(value, bool):
                return value
            if value in (0, 1):  # SQLite keeps booleans as 0/1
                return bool(value)
            raise BackupFormatError(f"not a boolean: {value!r}")
        case Kind.TEXT:
            if not isinstance(value, str):
                raise BackupFormatError(f"not text: {value!r}")
            return value
    raise BackupFormatError(f"unknown kind {kind!r}")  # pragma: no cover


def decode(kind: Kind, value: JsonValue, enum: type[Enum] | None = None) -> object:
    """The inverse of `encode`, strict: a value of the wrong shape is a damaged file."""
    if value is None:
        return None
    try:
        match kind:
            case Kind.DATETIME:
                moment = datetime.fromisoformat(_text(value))
                if moment.tzinfo is None:
                    raise BackupFormatError(f"datetime without an offset: {value!r}")
                return moment.astimezone(UTC)
            case Kind.DATE:
                return date.fromisoformat(_text(value))
            case Kind.ENUM:
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    raise BackupFormatError(f"not an enum value: {value!r}")
                return enum(value) if enum is not None else value
            case Kind.BYTES:
                return base64.b64decode(_text(value), validate=True)
            case Kind.DECIMAL:
                return Decimal(_text(value))
            case Kind.UUID:
                return UUID(_text(value))
            case Kind.JSON:
                return value
            case Kind.FLOAT:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise BackupFormatError(f"not a number: {value!r}")
                return float(value)
            case Kind.INT:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise BackupFormatError(f"not an integer: {value!r}")
                return value
            case Kind.BOOL:
                if not isinstance(value, bool):
                    raise BackupFormatError(f"not a boolean: {value!r}")
                return value
            case Kind.TEXT:
                return _text(value)
    except (ValueError, InvalidOperation, binascii.Error) as error:
        if isinstance(error, BackupFormatError):
            raise
        raise BackupFormatError(f"bad {kind.value} value {value!r}: {error}") from error
    raise BackupFormatError(f"unknown kind {kind!r}")  # pragma: no cover


def _text(value: JsonValue) -> str:
    if not isinstance(value, str):
        raise BackupFormatError(f"not a string: {value!r}")
    return value


def encode_row(row: Mapping[str, JsonValue]) -> bytes:
    """One JSON-lines record. Compact and key order as given, so equal rows give equal bytes."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_member(position: int, table: str) -> str:
    # The position keeps a listing of the zip in foreign-key order.
    return f"tables/{position:03d}-{table}.jsonl"


def attachment_member(digest: str) -> str:
    return f"attachments/{digest[:2]}/{digest}"


# --- the manifest ----------------------------------------------------------------------


@dataclass(frozen=True)
class TableEntry:
    table: str
    model: str
    member: str
    rows: int
    columns: dict[str, str]  # column -> Kind value, in the order of each record


@dataclass(frozen=True)
class MemberEntry:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    format_version: int
    created_at: datetime
    source_dialect: str
    migrations: list[str]  # applied migrations of the source, in order: its schema level
    tables: list[TableEntry]  # in foreign-key order: parents first
    members: dict[str, MemberEntry]  # every member except the manifest itself
    attachments: list[str]  # content digests of the attachment files carried
    missing_attachments: list[str]  # digests named by rows whose file was not there

    @property
    def migration_level(self) -> str | None:
        return self.migrations[-1] if self.migrations else None

    @property
    def total_rows(self) -> int:
        return sum(entry.rows for entry in self.tables)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "source": {"dialect": self.source_dialect},
            "migrations": {"applied": self.migrations, "level": self.migration_level},
            "tables": [
                {"table": t.table, "model": t.model, "member": t.member, "rows": t.rows, "columns": t.columns}
                for t in self.tables
            ],
            "members": {name: {"sha256": m.sha256, "bytes": m.bytes} for name, m in self.members.items()},
            "attachments": {"files": self.attachments, "missing": self.missing_attachments},
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


def parse_manifest(data: bytes, *, supported_version: int = FORMAT_VERSION) -> Manifest:
    """Reads and checks the manifest's shape. A newer format is refused: this reader cannot
    know what it would be getting wrong."""
    try:
        document = json.loads(data)
    except ValueError as error:
        raise BackupFormatError(f"the manifest is not JSON: {error}") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise BackupFormatError("not a helpdesk backup (no helpdesk-backup manifest)")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BackupFormatError(f"bad format version {version!r}")
    if version > supported_version:
        raise BackupFormatError(
            f"the file has backup format version {version}, newer than this helpdesk reads "
            f"({supported_version}); restore it with a newer helpdesk"
        )
    try:
        created = decode(Kind.DATETIME, document["created_at"])
        assert isinstance(created, datetime)
        tables = [
            TableEntry(
                table=_str(t["table"]),
                model=_str(t["model"]),
                member=_str(t["member"]),
                rows=_count(t["rows"]),
                columns={_str(name): Kind(_str(kind)).value for name, kind in dict(t["columns"]).items()},
            )
            for t in document["tables"]
        ]
        members = {
            _str(name): MemberEntry(sha256=_str(m["sha256"]), bytes=_count(m["bytes"]))
            for name, m in dict(document["members"]).items()
        }
        attachments = document["attachments"]
        manifest = Manifest(
            format_version=version,
            created_at=created,
            source_dialect=_str(document["source"]["dialect"]),
            migrations=[_str(name) for name in document["migrations"]["applied"]],
            tables=tables,
            members=members,
            attachments=[_digest(d) for d in attachments["files"]],
            missing_attachments=[_digest(d) for d in attachments["missing"]],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, BackupFormatError):
            raise
        raise BackupFormatError(f"the manifest is incomplete or malformed: {error!r}") from error
    for entry in manifest.tables:
        if entry.member not in manifest.members:
            raise BackupFormatError(f"the manifest lists table {entry.table} without its member")
    for digest in manifest.attachments:
        if attachment_member(digest) not in manifest.members:
            raise BackupFormatError(f"the manifest lists attachment {digest} without its member")
    return manifest


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise BackupFormatError(f"expected a string, got {value!r}")
    return value


def _digest(value: object) -> str:
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise BackupFormatError(f"bad attachment digest {value!r} (not a SHA-256 in hex)")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BackupFormatError(f"expected a count, got {value!r}")
    return value


def check_member_names(manifest: Manifest, present: set[str]) -> None:
    """Every member the manifest names is in the file, and nothing else is: a file that was
    cut short or added to is refused as a whole. Contents are checked by `check_member`."""
    missing = sorted(set(manifest.members) - present)
    if missing:
        raise BackupFormatError(
            f"member {missing[0]} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    extra = sorted(present - set(manifest.members) - {MANIFEST_MEMBER})
    if extra:
        raise BackupFormatError(f"members not in the manifest: {', '.join(extra[:5])}")


def check_member(name: str, entry: MemberEntry, data: bytes) -> None:
    if len(data) != entry.bytes or sha256_hex(data) != entry.sha256:
        raise BackupFormatError(f"member {name} does not match its checksum")
    if name.startswith("attachments/") and sha256_hex(data) != name.rsplit("/", 1)[-1]:
        raise BackupFormatError(f"attachment {name} does not match its content digest")


def check_migrations(backup: list[str], known: list[str]) -> None:
    """The backup's schema must be one this code knows: the same level or an older one (whose
    rows the current schema can hold). A later level came from a newer helpdesk."""
    unknown = [name for name in backup if name not in known]
    if unknown:
        raise BackupFormatError(
            f"the backup's schema is at migration {backup[-1]}, which this helpdesk does not know "
            f"({', '.join(unknown)}); restore it with a newer helpdesk"
        )
    if backup != known[: len(backup)]:
        raise BackupFormatError(f"the backup's migrations {backup} are not a prefix of {known}")


def split_lines(member: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a member read in chunks, without their newlines. Every record ends with
    one, so bytes after the last newline mean the member was cut short."""
    rest = b""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        yield from lines
    if rest:
        raise BackupFormatError(f"{member} does not end with a newline (cut short?)")


def iter_rows(entry: TableEntry, lines: Iterable[bytes]) -> Iterator[dict[str, JsonValue]]:
    """The records of one table member, one at a time, checked against the manifest's
    columns; the count is checked when the last one has been read."""
    columns = set(entry.columns)
    count = 0
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError as error:
            raise BackupFormatError(f"{entry.member} line {number} is not JSON") from error
        if not isinstance(record, dict) or set(record) != columns:
            raise BackupFormatError(f"{entry.member} line {number} does not have the listed columns")
        count += 1
        yield record
    if count != entry.rows:
        raise BackupFormatError(f"{entry.member} holds {count} rows, the manifest says {entry.rows}")


def read_rows(entry: TableEntry, data: bytes) -> list[dict[str, JsonValue]]:
    """The records of one table member held in memory whole."""
    return list(iter_rows(entry, split_lines(entry.member, [data])))
