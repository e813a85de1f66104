from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.enums import EventKind, IntakeOutcome
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_dispatch')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Attachment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('models.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.SET_NULL)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=127)),
                ('size', fields.BigIntField()),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('uploaded_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attachments', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChatChannel',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('secret', fields.CharField(max_length=200)),
                ('enabled', fields.BooleanField(default=True)),
                ('product_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'chat_channels', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IntakeReceipt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=80)),
                ('external_id', fields.CharField(max_length=255)),
                ('outcome', fields.CharEnumField(description='TICKET: TICKET\nMESSAGE: MESSAGE\nIGNORED: IGNORED', enum_type=IntakeOutcome, max_length=16)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('sender', fields.CharField(null=True, max_length=254)),
                ('ticket_id', fields.BigIntField(null=True, db_index=True)),
                ('message_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'intake_receipts', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Macro',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('actions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'macros', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProductRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('position', fields.IntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.CASCADE)),
                ('recipient', fields.CharField(null=True, max_length=254)),
                ('sender_domain', fields.CharField(null=True, max_length=254)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'product_rules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReplyTemplate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'reply_templates', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Satisfaction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.OneToOneField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='satisfaction', on_delete=OnDelete.CASCADE)),
                ('stars', fields.IntField()),
                ('comment', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'satisfaction', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=500)),
                ('body', fields.TextField(unique=False)),
                ('kind', fields.CharField(max_length=32)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Message',
            name='email_message_id',
            field=fields.CharField(null=True, db_index=True, max_length=255),
        ),
        ops.AddField(
            model_name='OutboxMail',
            name='references',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='OutboxMail',
            name='reply_to',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Ticket',
            name='external_thread',
            field=fields.CharField(null=True, db_index=True, max_length=255),
        ),
        ops.AlterField(
            model_name='TicketEvent',
            name='kind',
            field=fields.CharEnumField(description='CREATED: CREATED\nASSIGNED: ASSIGNED\nSTATUS_CHANGED: STATUS_CHANGED\nPRIORITY_CHANGED: PRIORITY_CHANGED\nCATEGORY_CHANGED: CATEGORY_CHANGED\nREPLIED: REPLIED\nNOTE_ADDED: NOTE_ADDED\nFIRST_RESPONSE: FIRST_RESPONSE\nSLA_NEAR_BREACH: SLA_NEAR_BREACH\nSLA_BREACHED: SLA_BREACHED\nCLASSIFIED: CLASSIFIED\nTRANSFERRED: TRANSFERRED\nESCALATED: ESCALATED\nPAGED: PAGED\nPAGE_ACKNOWLEDGED: PAGE_ACKNOWLEDGED\nPAGE_EXHAUSTED: PAGE_EXHAUSTED\nMACRO_APPLIED: MACRO_APPLIED\nRATED: RATED', enum_type=EventKind, max_length=32),
        ),
    ]
