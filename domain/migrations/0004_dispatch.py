from tortoise import migrations
from tortoise.migrations import operations as ops

from domain.migrations._operations import AddFilledField
import functools
from domain.enums import AssignmentStrategy, Availability, EventKind, Priority
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_triage')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OnCallSchedule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.OneToOneField('models.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='on_call', on_delete=OnDelete.CASCADE)),
                ('participants', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('shift_seconds', fields.IntField(default=86400)),
                ('time_zone', fields.CharField(default='UTC', max_length=64)),
                ('ack_timeout_seconds', fields.IntField(default=300)),
                ('webhook_url', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'on_call_schedules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OnCallOverride',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('schedule', fields.ForeignKeyField('models.OnCallSchedule', source_field='schedule_id', db_constraint=True, to_field='id', related_name='overrides', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='on_call_overrides', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'on_call_overrides', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMail',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('to_address', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('message_id', fields.CharField(unique=True, max_length=200)),
                ('in_reply_to', fields.CharField(null=True, max_length=200)),
                ('kind', fields.CharField(max_length=32)),
                ('ticket_id', fields.BigIntField(null=True, db_index=True)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_mail', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Page',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='pages', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='pages', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=200)),
                ('chain', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('notified', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('acknowledged_by_id', fields.BigIntField(null=True)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('exhausted', fields.BooleanField(default=False)),
                ('next_check_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'pages', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RoutingRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('position', fields.IntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('category_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('product_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('customer_tiers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('organisations', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sources', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('priorities', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('group', fields.ForeignKeyField('models.Group', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='routing_rules', on_delete=OnDelete.CASCADE)),
                ('set_priority', fields.IntEnumField(null=True, description='URGENT: 1\nHIGH: 2\nMEDIUM: 3\nLOW: 4', enum_type=Priority, generated=False)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'routing_rules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        AddFilledField(
            model_name='Group',
            name='assignment_strategy',
            field=fields.CharEnumField(default=AssignmentStrategy.MANUAL, description='LEAST_LOADED: LEAST_LOADED\nROUND_ROBIN: ROUND_ROBIN\nSKILLS: SKILLS\nMANUAL: MANUAL', enum_type=AssignmentStrategy, max_length=16),
        ),
        ops.AddField(
            model_name='Group',
            name='escalation_group',
            field=fields.ForeignKeyField('models.Group', source_field='escalation_group_id', null=True, db_constraint=True, to_field='id', related_name='escalated_from', on_delete=OnDelete.SET_NULL),
        ),
        AddFilledField(
            model_name='Group',
            name='is_default',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Group',
            name='last_assigned_agent_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='SlaPolicy',
            name='escalation',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        AddFilledField(
            model_name='Ticket',
            name='tags',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AlterField(
            model_name='TicketEvent',
            name='kind',
            field=fields.CharEnumField(description='CREATED: CREATED\nASSIGNED: ASSIGNED\nSTATUS_CHANGED: STATUS_CHANGED\nPRIORITY_CHANGED: PRIORITY_CHANGED\nCATEGORY_CHANGED: CATEGORY_CHANGED\nREPLIED: REPLIED\nNOTE_ADDED: NOTE_ADDED\nFIRST_RESPONSE: FIRST_RESPONSE\nSLA_NEAR_BREACH: SLA_NEAR_BREACH\nSLA_BREACHED: SLA_BREACHED\nCLASSIFIED: CLASSIFIED\nTRANSFERRED: TRANSFERRED\nESCALATED: ESCALATED\nPAGED: PAGED\nPAGE_ACKNOWLEDGED: PAGE_ACKNOWLEDGED\nPAGE_EXHAUSTED: PAGE_EXHAUSTED', enum_type=EventKind, max_length=32),
        ),
        AddFilledField(
            model_name='User',
            name='availability',
            field=fields.CharEnumField(default=Availability.OFFLINE, description='ONLINE: ONLINE\nAWAY: AWAY\nOFFLINE: OFFLINE', enum_type=Availability, max_length=16),
        ),
        AddFilledField(
            model_name='User',
            name='capacity',
            field=fields.IntField(default=10),
        ),
        ops.AddField(
            model_name='User',
            name='last_assigned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFilledField(
            model_name='User',
            name='skills',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
