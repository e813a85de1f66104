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


# Undoing the AddFields below rebuilds the tickets table on SQLite, without its indexes:
# undoing this migration makes them again (the names are the ones tortoise gave them).
_TICKET_INDEXES = (
    ('idx_tickets_sla_sta_10125b', ('sla_state',)),
    ('idx_tickets_sla_due_f74aa1', ('sla_due_at',)),
    ('idx_tickets_sla_nex_204658', ('sla_next_alert_at',)),
    ('idx_tickets_created_27c2f3', ('created_at',)),
    ('idx_tickets_updated_2e4c10', ('updated_at',)),
    ('idx_tickets_status_e85aef', ('status', 'priority')),
    ('idx_tickets_group_i_2baebe', ('group_id', 'status')),
    ('idx_tickets_assigne_dd5709', ('assignee_id', 'status')),
)


async def restore_ticket_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    for name, columns in _TICKET_INDEXES:
        listed = ', '.join(f'"{c}"' for c in columns)
        await schema_editor.client.execute_script(f'CREATE INDEX IF NOT EXISTS "{name}" ON "tickets" ({listed})')


class Migration(migrations.Migration):
    dependencies = [('models', '0007_indexes')]

    initial = False

    operations = [
        ops.RunPython(ops.RunPython.noop, restore_ticket_indexes),
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
