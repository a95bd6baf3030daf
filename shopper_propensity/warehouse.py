"""Opening the warehouse from Python with every layer's schema on the search path.

dbt writes the marts to `main` and staging, intermediate and the ML internals to schemas of
their own (macros/schemas.sql). Model names are unique across the project, so a bare name still
means one table: the tools that query the warehouse by name (build_summary,
warehouse_fingerprint, the tests) read every layer as they did when all tables sat in `main`.
BI tools read the serving file instead (shopper_propensity.serving).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from shopper_propensity.sql_literals import sql_literal

SCHEMAS_SQL = """
    select schema_name
    from duckdb_schemas()
    where database_name = current_database()
        and not internal
    order by schema_name = 'main' desc, schema_name
"""


def schemas(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's own schemas, main first."""
    return [name for (name,) in connection.execute(SCHEMAS_SQL).fetchall()]


def use_every_schema(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Put every schema of the connection's database on its search path, main first."""
    connection.execute(f"set search_path = {sql_literal(','.join(schemas(connection)))}")
    return connection


def connect(path: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The warehouse file, read-only unless asked, every layer's tables reachable by bare name."""
    return use_every_schema(duckdb.connect(str(path), read_only=read_only))
