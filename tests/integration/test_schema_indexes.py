"""Every column a model declares as indexed has an index after migrating, on this run's
database. tortoise's AddField declares db_index but makes no index (0003-0006 added six
such columns), and its AlterField on SQLite rebuilds tables without their indexes."""


from tortoise import Tortoise, connections
from tortoise.fields.relational import RelationalField


async def _leading_columns(table: str) -> set[str]:
    """The first column of each index on the table (an index serves lookups by its first column)."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, indexes = await conn.execute_query(f"PRAGMA index_list(\"{table}\")")
        leading = set()
        for index in indexes:
            _, columns = await conn.execute_query(f"PRAGMA index_info(\"{index['name']}\")")
            first = min(columns, key=lambda c: c["seqno"], default=None)
            if first is not None:
                leading.add(first["name"])
        return leading
    _, rows = await conn.execute_query(
        "SELECT a.attname AS name FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
        "WHERE t.relname = $1",
        [table],
    )
    return {row["name"] for row in rows}


async def test_every_declared_index_exists_after_migrating(database: None) -> None:
    missing = []
    checked = 0
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        leading = await _leading_columns(meta.db_table)
        for name, field in meta.fields_map.items():
            if isinstance(field, RelationalField) or field.pk or not (field.index or field.unique):
                continue
            column = field.source_field or name
            checked += 1
            if column not in leading:
                missing.append(f"{meta.db_table}.{column}")
    assert checked > 20  # the walk found the declared indexes
    assert missing == []
