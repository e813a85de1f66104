from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TicketEvent',
            name='assignee_id',
            field=fields.BigIntField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='TicketEvent',
            name='previous_assignee_id',
            field=fields.BigIntField(null=True, db_index=True),
        ),
    ]
