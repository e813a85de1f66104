"""The attachment store a process builds from its settings (API, SMTP receiver, worker)."""

from domain.rules.attachment_policy import AttachmentPolicy
from domain.services.attachments import AttachmentStore
from server.settings import Settings


def attachment_store(settings: Settings) -> AttachmentStore:
    return AttachmentStore(
        settings.attachments_dir,
        AttachmentPolicy(max_bytes=settings.attachment_max_bytes, types=settings.attachment_types),
    )
