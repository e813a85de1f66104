"""Attachment files: stored once per content (by SHA-256) under the attachments directory,
written to a temporary name and renamed, so a reader never sees half a file. The row is
written by the caller's transaction; a file whose transaction rolled back is an orphan that
the same content reuses, never a row without its file."""

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from domain.models import Attachment
from domain.rules.attachment_policy import AttachmentPolicy, safe_filename


@dataclass(frozen=True)
class AttachmentStore:
    directory: Path
    policy: AttachmentPolicy

    def path_of(self, sha256: str) -> Path:
        return content_path(self.directory, sha256)

    async def save(self, *, ticket_id: int, message_id: int | None, filename: str | None,
                   content_type: str, data: bytes, uploaded_by_id: int | None, now: datetime,
                   field: str = "file") -> Attachment:
        """Checks the policy, writes the file, and creates the row (in the caller's
        transaction, if it has one)."""
        name = safe_filename(filename)
        kind = (content_type or "application/octet-stream").split(";", 1)[0].strip().lower()
        self.policy.check(filename=name, content_type=kind, size=len(data), field=field)
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, digest, data)
        return await Attachment.create(
            ticket_id=ticket_id, message_id=message_id, filename=name, content_type=kind,
            size=len(data), sha256=digest, uploaded_by_id=uploaded_by_id, created_at=now,
        )

    async def remove_unreferenced(self, digests: set[str]) -> None:
        """Deletes the files of these contents that no attachment row names any more."""
        still = set(await Attachment.filter(sha256__in=list(digests)).values_list("sha256", flat=True))
        for digest in digests - still:
            await asyncio.to_thread(self.path_of(digest).unlink, True)

    def read(self, attachment: Attachment) -> bytes:
        return self.path_of(attachment.sha256).read_bytes()

    def _write(self, digest: str, data: bytes) -> None:
        place_content(self.directory, digest, data)


def content_path(directory: Path, digest: str) -> Path:
    """Where the file of this content lives: fanned out by the digest's first two characters."""
    return directory / digest[:2] / digest


def place_content(directory: Path, digest: str, data: bytes) -> None:
    """Writes `data` (whose SHA-256 is `digest`) to a temporary name and renames it into
    place, so a reader never sees half a file; a file already there is kept."""
    target = content_path(directory, digest)
    if target.is_file() and target.stat().st_size == len(data):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
