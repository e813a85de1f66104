"""Who may see an attachment, given that they may see its ticket. Pure.

Staff see every file of a ticket they see. A customer sees the files of public messages and
their own uploads, never those of an internal note or an agent's upload not yet sent."""

from domain.rules.access import Actor


def may_see_attachment(
    actor: Actor, *, uploaded_by_id: int | None, on_message: bool, message_internal: bool
) -> bool:
    if actor.is_staff:
        return True
    if uploaded_by_id is not None and uploaded_by_id == actor.user_id:
        return True
    return on_message and not message_internal
