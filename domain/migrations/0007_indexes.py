from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.operations import StateApps
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

# On SQLite, tortoise carries out an AlterField by rebuilding the table, and the rebuilds of
# ticket_events (0003-0005 altered its `kind` column) dropped the table's unique
# (ticket_id, dedupe_key) and its indexes; PostgreSQL altered the column in place and kept
# them. The unique index is what keeps an SLA alert from being logged twice. The names are
# the ones tortoise gave them, so IF NOT EXISTS leaves PostgreSQL's as they are; the two
# assignee indexes (added by 0002) were never made on either database.
_EVENT_INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS "uid_ticket_even_ticket__59a4a1" '
    'ON "ticket_events" ("ticket_id", "dedupe_key")',
    'CREATE INDEX IF NOT EXISTS "idx_ticket_even_created_386594" ON "ticket_events" ("created_at")',
    'CREATE INDEX IF NOT EXISTS "idx_ticket_events_assignee" ON "ticket_events" ("assignee_id")',
    'CREATE INDEX IF NOT EXISTS "idx_ticket_events_prev_assignee" '
    'ON "ticket_events" ("previous_assignee_id")',
)

# Alert events logged twice while SQLite had no unique index: the first one is kept.
_DUPLICATE_ALERTS = (
    'DELETE FROM "ticket_events" WHERE "dedupe_key" IS NOT NULL AND "id" NOT IN '
    '(SELECT MIN("id") FROM "ticket_events" WHERE "dedupe_key" IS NOT NULL '
    'GROUP BY "ticket_id", "dedupe_key")'
)


async def restore_event_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    await client.execute_script(_DUPLICATE_ALERTS)
    for statement in _EVENT_INDEXES:
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('models', '0006_knowledge')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='TicketSlaTarget',
            index=Index(fields=['met_at']),
        ),
        ops.RunPython(restore_event_indexes, ops.RunPython.noop),
    ]
