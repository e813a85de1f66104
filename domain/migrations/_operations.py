"""Migration operations of our own (a leading underscore keeps tortoise from loading this
module as a migration)."""

from typing import Any

from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State


class AddFilledField(ops.AddField):
    """AddField for a NOT NULL column with a default, added to a table that may hold rows.

    tortoise applies defaults in Python, so a plain AddField adds the column without one, and
    both SQLite and PostgreSQL refuse a NOT NULL column that existing rows would leave
    empty. Here the column is added with the field's default as its database default, which
    fills the existing rows. The migration state keeps the plain field, as the model has it.
    """

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field: Any = model._meta.fields_map[self.name]
        declared = field.db_default
        field.db_default = field.default() if callable(field.default) else field.default
        try:
            await state_editor.add_field(model, self.name)
        finally:
            field.db_default = declared
