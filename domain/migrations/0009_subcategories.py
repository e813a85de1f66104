from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

# Subcategories: a category may name a top-level category as its parent. Nullable, so rows
# already there stay top-level; the categories table is small, so no index is needed for
# listing a parent's subcategories.


class Migration(migrations.Migration):
    dependencies = [('models', '0008_dispatch_marks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Category',
            name='parent',
            field=fields.ForeignKeyField('models.Category', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='subcategories', on_delete=OnDelete.RESTRICT),
        ),
    ]
