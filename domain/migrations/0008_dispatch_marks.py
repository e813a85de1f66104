from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.operations import StateApps
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

# tortoise's AddField declares a db_index column but makes no index for it, on SQLite and
# PostgreSQL alike: the columns added by 0003-0006 that queries look up by (mail threading,
# chat threads, the review queue, pending classification, corrections) had none, and the
# dispatch mark added here would have none either.
_MISSING_INDEXES = (
    ('idx_tickets_triage_state', 'tickets', 'triage_state'),
    ('idx_tickets_needs_review', 'tickets', 'needs_review'),
    ('idx_tickets_external_thread', 'tickets', 'external_thread'),
    ('idx_tickets_dispatch_pending', 'tickets', 'dispatch_pending_since'),
    ('idx_messages_email_message_id', 'messages', 'email_message_id'),
    ('idx_category_examples_ticket_id', 'category_examples', 'ticket_id'),
)


async def create_missing_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    for name, table, column in _MISSING_INDEXES:
        await schema_editor.client.execute_script(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
        )


async def drop_added_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    for name, _table, _column in _MISSING_INDEXES:
        await schema_editor.client.execute_script(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [('models', '0007_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Ticket',
            name='dispatch_pending_since',
            field=fields.DatetimeField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='dispatch_reroute',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RunPython(create_missing_indexes, drop_added_indexes),
    ]
