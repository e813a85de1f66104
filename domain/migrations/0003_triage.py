from tortoise import migrations
from tortoise.migrations import operations as ops

from domain.migrations._operations import AddFilledField
import functools
from domain.enums import EventKind, ExampleSource, Priority, PriorityOrigin, TriageState
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_event_assignees')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PriorityExample',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('priority', fields.IntEnumField(db_index=True, description='URGENT: 1\nHIGH: 2\nMEDIUM: 3\nLOW: 4', enum_type=Priority, generated=False)),
                ('text', fields.TextField(unique=False)),
                ('embedding', fields.BinaryField(null=True)),
                ('embedding_model', fields.CharField(null=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'priority_examples', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PriorityRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('position', fields.IntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('customer_tiers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('raise_levels', fields.IntField(default=0)),
                ('minimum_priority', fields.IntEnumField(null=True, description='URGENT: 1\nHIGH: 2\nMEDIUM: 3\nLOW: 4', enum_type=Priority, generated=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'priority_rules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TriageGeneration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'triage_generation', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='CategoryExample',
            name='embedding',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='CategoryExample',
            name='embedding_model',
            field=fields.CharField(null=True, max_length=32),
        ),
        AddFilledField(
            model_name='CategoryExample',
            name='source',
            field=fields.CharEnumField(default=ExampleSource.SEED, description='SEED: SEED\nCORRECTION: CORRECTION', enum_type=ExampleSource, max_length=16),
        ),
        ops.AddField(
            model_name='CategoryExample',
            name='ticket_id',
            field=fields.BigIntField(null=True, db_index=True),
        ),
        AddFilledField(
            model_name='Ticket',
            name='category_confirmed',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='classification',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='classified_category_id',
            field=fields.BigIntField(null=True),
        ),
        AddFilledField(
            model_name='Ticket',
            name='needs_review',
            field=fields.BooleanField(default=False, db_index=True),
        ),
        AddFilledField(
            model_name='Ticket',
            name='priority_origin',
            field=fields.CharEnumField(default=PriorityOrigin.DEFAULT, description='DEFAULT: DEFAULT\nCREATOR: CREATOR\nCLASSIFIER: CLASSIFIER\nAGENT: AGENT', enum_type=PriorityOrigin, max_length=16),
        ),
        AddFilledField(
            model_name='Ticket',
            name='triage_state',
            field=fields.CharEnumField(default=TriageState.SKIPPED, db_index=True, description='PENDING: PENDING\nDONE: DONE\nSKIPPED: SKIPPED', enum_type=TriageState, max_length=16),
        ),
        ops.AlterField(
            model_name='TicketEvent',
            name='kind',
            field=fields.CharEnumField(description='CREATED: CREATED\nASSIGNED: ASSIGNED\nSTATUS_CHANGED: STATUS_CHANGED\nPRIORITY_CHANGED: PRIORITY_CHANGED\nCATEGORY_CHANGED: CATEGORY_CHANGED\nREPLIED: REPLIED\nNOTE_ADDED: NOTE_ADDED\nFIRST_RESPONSE: FIRST_RESPONSE\nSLA_NEAR_BREACH: SLA_NEAR_BREACH\nSLA_BREACHED: SLA_BREACHED\nCLASSIFIED: CLASSIFIED', enum_type=EventKind, max_length=32),
        ),
    ]
