"""The report's only access to data: the served marts, read into memory in one short connection.

The report reads the serving file the build publishes (shopper_propensity.serving), the same
views BI tools read: it never opens the warehouse, so it neither waits for nor holds up a
`dbt build`, and it shows the last complete build. Any DuckDB file whose relations carry the
marts' names works (e.g. a warehouse, with --serving FILE).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from shopper_propensity.sql_literals import sql_identifier


class MartsUnavailable(RuntimeError):
    """The serving file is missing or cannot be opened."""


def read_marts(database: Path, names: Iterable[str]) -> dict[str, pd.DataFrame | None]:
    """Each named mart as a frame, or None when the file has no such relation.

    Exact decimals become doubles: the report draws amounts, it never sums them.
    """
    database = Path(database)
    if not database.exists():
        raise MartsUnavailable(f"{database}: no serving file; run `make build` first (a build publishes it)")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException as error:
        raise MartsUnavailable(
            f"{database}: cannot open read-only ({error}); is a process writing to it?"
        ) from error
    with connection:
        schemas = _schemas_by_relation(connection)
        return {name: _frame(_relation(connection, schemas, name)) if name in schemas else None for name in names}


def _schemas_by_relation(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.sql(
        "select table_name, table_schema from information_schema.tables where table_catalog = current_database()"
    ).fetchall()
    found: dict[str, str] = {}
    for name, schema in rows:
        if name in found:
            raise MartsUnavailable(f"relation {name} is in two schemas ({found[name]}, {schema}): which is the mart?")
        found[name] = schema
    return found


def _relation(connection: duckdb.DuckDBPyConnection, schemas: dict[str, str], name: str) -> duckdb.DuckDBPyRelation:
    return connection.table(f"{sql_identifier(schemas[name])}.{sql_identifier(name)}")


def _frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    columns = []
    for column, dtype in zip(relation.columns, relation.dtypes, strict=True):
        quoted = sql_identifier(column)
        columns.append(f"cast({quoted} as double) as {quoted}" if str(dtype).upper().startswith("DECIMAL") else quoted)
    return relation.select(", ".join(columns)).df()
