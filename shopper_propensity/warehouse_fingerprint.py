"""A fingerprint per warehouse table, to prove two builds byte-identical.

A table's fingerprint is the md5 of its column names and types and of the sorted md5s of its
rows' text. DuckDB writes a DOUBLE as the shortest text that reads back to the same bits, so
one differing bit changes the fingerprint; row order does not (tables have none).

    python -m shopper_propensity.warehouse_fingerprint shopper_propensity.duckdb > build.json
"""

from __future__ import annotations

import json
import os
import sys

import duckdb

from shopper_propensity.sql_literals import sql_identifier, sql_literal

# Written by the build hooks and the incremental strategy, not by models: timestamps and ids
# differ on every run by design (macros/warehouse_builds.sql, macros/incremental.sql).
BUILD_LOG_TABLES = ("warehouse_builds", "incremental_slices")


def table_fingerprints(connection: duckdb.DuckDBPyConnection,
                       exclude: tuple[str, ...] = BUILD_LOG_TABLES) -> dict[str, str]:
    """{table name: fingerprint} for every table of the database, in any schema (marts in main,
    the other layers in theirs: model names are unique, so a bare name is one table), views
    excluded."""
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
        "order by table_name, schema_name"
    ).fetchall()
    names = [name for _, name in tables]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"table name(s) in more than one schema: {', '.join(twice)}")
    return {name: _fingerprint(connection, schema, name) for schema, name in tables if name not in exclude}


def _fingerprint(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    relation = f"{sql_identifier(schema)}.{sql_identifier(table)}"
    (columns,) = connection.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) "
        f"from duckdb_columns() where schema_name = {sql_literal(schema)} and table_name = {sql_literal(table)}"
    ).fetchone()
    (rows,) = connection.execute(
        "select coalesce(string_agg(row_md5, '' order by row_md5), '') "
        f"from (select md5(cast(t as varchar)) as row_md5 from {relation} as t)"
    ).fetchone()
    (digest,) = connection.execute("select md5(?)", [f"{columns}\n{rows}"]).fetchone()
    return digest


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SHOPPER_DUCKDB_PATH", "shopper_propensity.duckdb")
    with duckdb.connect(path, read_only=True) as connection:
        print(json.dumps(table_fingerprints(connection), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
