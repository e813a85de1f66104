from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.rules.knowledge import ArticleFormat, ArticleStatus, ArticleVisibility
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_intake')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Article',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('format', fields.CharEnumField(default=ArticleFormat.MARKDOWN, description='PLAIN_TEXT: PLAIN_TEXT\nMARKDOWN: MARKDOWN', enum_type=ArticleFormat, max_length=16)),
                ('status', fields.CharEnumField(default=ArticleStatus.DRAFT, db_index=True, description='DRAFT: DRAFT\nPUBLISHED: PUBLISHED\nARCHIVED: ARCHIVED', enum_type=ArticleStatus, max_length=16)),
                ('visibility', fields.CharEnumField(default=ArticleVisibility.PUBLIC, description='PUBLIC: PUBLIC\nINTERNAL: INTERNAL', enum_type=ArticleVisibility, max_length=16)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='articles', on_delete=OnDelete.SET_NULL)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='articles', on_delete=OnDelete.SET_NULL)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tag_index', fields.TextField(default='', unique=False)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='articles', on_delete=OnDelete.SET_NULL)),
                ('version', fields.IntField(default=1)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('embedding', fields.BinaryField(null=True)),
                ('embedding_model', fields.CharField(null=True, max_length=32)),
            ],
            options={'table': 'articles', 'app': 'models', 'indexes': [Index(fields=['status', 'visibility'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
