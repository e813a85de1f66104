"""Which files a desk accepts: a size limit and a list of content types. Pure."""

import re
import unicodedata
from dataclasses import dataclass

from domain.errors import BadUserInput

FILENAME_MAX = 255
_UNSAFE = re.compile(r"[^\w.\- ()\[\]+@,]")
# type/subtype of RFC 6838's restricted names (each at most 63 characters after the first),
# so a stored content type always fits its column and is safe to send back in a header.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")


@dataclass(frozen=True)
class AttachmentPolicy:
    max_bytes: int
    types: tuple[str, ...]  # "image/png", or "image/*" for a whole family

    def accepts_type(self, content_type: str) -> bool:
        wanted = content_type.split(";", 1)[0].strip().lower()
        if not _MEDIA_TYPE.match(wanted):
            return False
        for allowed in self.types:
            allowed = allowed.lower()
            if allowed.endswith("*") and wanted.startswith(allowed[:-1]):
                return True
            if wanted == allowed:
                return True
        return False

    def check(self, *, filename: str, content_type: str, size: int, field: str = "file") -> None:
        if size > self.max_bytes:
            raise BadUserInput(
                f"{filename!r} is {size} bytes; the limit is {self.max_bytes}.", field=field
            )
        if not self.accepts_type(content_type):
            raise BadUserInput(f"Files of type {content_type!r} are not accepted.", field=field)


def safe_filename(name: str | None, *, fallback: str = "attachment") -> str:
    """The name to show and to offer on download: no directories, no control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:FILENAME_MAX] or fallback
