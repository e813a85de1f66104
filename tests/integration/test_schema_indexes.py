"""Every index a model declares exists after migrating (and after undoing the newest
migration), on this run's database. tortoise's AddField declares db_index but makes no
index (0003-0006 added six such columns), and on SQLite its AlterField and RemoveField
rebuild tables without their indexes."""

from tortoise import Tortoise, connections
from tortoise.fields.relational import RelationalField

from server.db import migrate
from tests.backends import Backend
from tests.integration.old_schema import desk_at_level


async def _index_columns(table: str) -> set[tuple[str, ...]]:
    """The columns of each index on the table, in index order."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, indexes = await conn.execute_query(f"PRAGMA index_list(\"{table}\")")
        found = set()
        for index in indexes:
            _, columns = await conn.execute_query(f"PRAGMA index_info(\"{index['name']}\")")
            found.add(tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"])))
        return found
    _, rows = await conn.execute_query(
        "SELECT i.indexrelid AS id, a.attname AS name, k.n AS n FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = $1",
        [table],
    )
    by_index: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        by_index.setdefault(row["id"], []).append((row["n"], row["name"]))
    return {tuple(name for _n, name in sorted(columns)) for columns in by_index.values()}


async def _missing_indexes() -> tuple[int, list[str]]:
    """(how many declared indexes were checked, the ones the database lacks)."""
    missing = []
    checked = 0
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        present = await _index_columns(meta.db_table)
        leading = {columns[0] for columns in present}
        for name, field in meta.fields_map.items():
            if isinstance(field, RelationalField) or field.pk or not (field.index or field.unique):
                continue
            column = field.source_field or name
            checked += 1
            if column not in leading:
                missing.append(f"{meta.db_table}.{column}")
        for declared in meta.indexes:
            columns = tuple(declared) if isinstance(declared, tuple) else tuple(declared.fields)
            checked += 1
            if columns not in present:
                missing.append(f"{meta.db_table}{columns}")
    return checked, missing


async def test_every_declared_index_exists_after_migrating(database: None) -> None:
    checked, missing = await _missing_indexes()
    assert checked > 20  # the walk found the declared indexes
    assert missing == []


async def test_undoing_0008_keeps_the_tickets_indexes(empty_database: Backend) -> None:
    """Undoing 0008 removes its columns, which SQLite does by rebuilding the tickets table."""
    url = empty_database.database_url
    try:
        await migrate(url)
    finally:
        await Tortoise.close_connections()
    async with desk_at_level(url, "models.0007_indexes"):
        present = await _index_columns("tickets")
    for columns in [("status", "priority"), ("group_id", "status"), ("assignee_id", "status"),
                    ("created_at",), ("updated_at",), ("sla_due_at",), ("sla_next_alert_at",), ("sla_state",)]:
        assert columns in present
