"""The report's only access to data: mart tables read into memory in one short connection.

The warehouse is opened read-only after the build and closed before anything is drawn, so the
report neither waits for nor holds up a `dbt build`. Switching to the served exports (Parquet
files or a serving DuckDB file) changes `_relation` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing or locked by a writer."""


def read_marts(warehouse: Path, names: Iterable[str]) -> dict[str, pd.DataFrame | None]:
    """Each named mart as a frame, or None when the warehouse has no such relation.

    Binary columns (fitted models) are left out and exact decimals become doubles: the report
    draws amounts, it never sums them.
    """
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise WarehouseUnavailable(f"{warehouse}: no warehouse file; run `make build` first")
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseUnavailable(
            f"{warehouse}: cannot open read-only ({error}); is a dbt build writing to it?"
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
            raise WarehouseUnavailable(
                f"relation {name} is in two schemas ({found[name]}, {schema}): which is the mart?"
            )
        found[name] = schema
    return found


def _relation(connection: duckdb.DuckDBPyConnection, schemas: dict[str, str], name: str) -> duckdb.DuckDBPyRelation:
    return connection.table(f'"{schemas[name]}"."{name}"')


def _frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    columns = []
    for column, dtype in zip(relation.columns, relation.dtypes, strict=True):
        kind = str(dtype).upper()
        if kind == "BLOB":
            continue
        quoted = '"' + column.replace('"', '""') + '"'
        columns.append(f"cast({quoted} as double) as {quoted}" if kind.startswith("DECIMAL") else quoted)
    return relation.select(", ".join(columns)).df()
