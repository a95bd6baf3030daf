"""The served interface (issue 16): every mart has an enforced contract with a type and a
description per column, no served column has a type Parquet and BI tools misread (HUGEINT,
UBIGINT, BLOB), the YAML descriptions reach the warehouse and the serving file as comments,
and each build's exports hold exactly the marts, row for row."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import served_marts
from shopper_propensity.serving import SERVING_FILE

# DuckDB types a served column may not have: HUGEINT and UBIGINT come out of Parquet as DOUBLE
# or unsigned (which BI drivers read wrongly or refuse), a BLOB is nothing a dashboard can show.
FORBIDDEN_TYPES = ("HUGEINT", "UHUGEINT", "UBIGINT", "BLOB")


def forbidden_columns(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> list[str]:
    """`table.column TYPE` of every column of the tables (in any schema) with a forbidden type."""
    rows = connection.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and table_name in (select unnest(?)) "
        "and (data_type in (select unnest(?)) or data_type like 'DECIMAL(38,%')",
        [tables, list(FORBIDDEN_TYPES)],
    ).fetchall()
    return sorted(f"{table}.{column} {data_type}" for table, column, data_type in rows)


def comments(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[tuple[str, str | None], str]:
    """{(table, column or None for the table): comment} of the tables or views, in any schema
    (trimmed: a folded YAML description ends in a newline)."""
    found = {(table, None): comment for table, comment in connection.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "union all select view_name, comment from duckdb_views() where database_name = current_database()"
    ).fetchall() if table in tables}
    found.update({(table, column): comment for table, column, comment in connection.execute(
        "select table_name, column_name, comment from duckdb_columns() where database_name = current_database()"
    ).fetchall() if table in tables})
    return {key: (comment or "").strip() for key, comment in found.items()}


def yaml_descriptions(marts: dict[str, dict]) -> dict[tuple[str, str | None], str]:
    described = {}
    for name, node in marts.items():
        described[(name, None)] = node["description"].strip()
        described.update({(name, column): info["description"].strip() for column, info in node["columns"].items()})
    return described


def test_every_mart_has_an_enforced_contract_a_type_and_a_description_per_column(manifest):
    marts = served_marts(manifest)
    assert len(marts) >= 30
    problems = []
    for name, node in sorted(marts.items()):
        if not node["description"].strip():
            problems.append(f"{name} has no description")
        if node["config"]["persist_docs"] != {"relation": True, "columns": True}:
            problems.append(f"{name} does not persist its docs")
        for column, info in node["columns"].items():
            if not info.get("data_type"):
                problems.append(f"{name}.{column} has no data_type")
            elif info["data_type"].upper() in FORBIDDEN_TYPES:
                problems.append(f"{name}.{column} is declared {info['data_type']}")
            if not info["description"].strip():
                problems.append(f"{name}.{column} has no description")
    assert problems == []


def test_the_type_check_finds_a_forbidden_column():
    with duckdb.connect() as connection:
        connection.execute("create table counts as select sum(x) as total, 1::ubigint as id, 'x'::blob as model "
                           "from (values (1), (2)) as v(x)")
        connection.execute("create table fine as select count(*) as total from (values (1)) as v(x)")
        assert forbidden_columns(connection, ["counts", "fine"]) == [
            "counts.id UBIGINT", "counts.model BLOB", "counts.total HUGEINT",
        ]


def test_no_served_column_has_a_forbidden_type_and_the_warehouse_shows_the_yaml_docs(manifest, clean_build):
    _, project = clean_build
    marts = served_marts(manifest)
    with duckdb.connect(str(project.database), read_only=True) as connection:
        built = [name for (name,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' "
            "union all select view_name from duckdb_views() where schema_name = 'main'").fetchall() if name in marts]
        assert sorted(built) == sorted(marts)  # every served mart is a table (or a view) in main
        assert forbidden_columns(connection, built) == []
        assert comments(connection, built) == yaml_descriptions(marts)


@pytest.fixture(scope="module")
def exports(clean_build):
    _, project = clean_build
    current = project.exports / "current"
    return project, current, json.loads((current / "manifest.json").read_text())


def test_the_exports_hold_every_mart_row_for_row_with_the_same_types(manifest, exports):
    project, current, published = exports
    marts = served_marts(manifest)
    assert sorted(mart["name"] for mart in published["marts"]) == sorted(marts)
    # a mart is one file, or a folder of monthly files (meta served_parts_by_month)
    assert {path.stem for path in current.iterdir() if path.name != "manifest.json"} == set(marts)
    assert [mart["file"] for mart in published["marts"] if mart["file"].endswith("/*.parquet")] == [
        "session_features/*.parquet", "session_scores/*.parquet"]
    with duckdb.connect(str(project.database), read_only=True) as connection:
        for mart in published["marts"]:
            name, parquet = mart["name"], str(current / mart["file"])
            relation = f"main.{name}"
            assert connection.execute(f"select count(*) from {relation}").fetchone() == (mart["rows"],), name
            differing = connection.execute(
                f"select count(*) from ((from {relation} except all from read_parquet(?)) "
                f"union all (from read_parquet(?) except all from {relation}))", [parquet, parquet]
            ).fetchone()
            assert differing == (0,), name
            warehouse_types = connection.execute(f"select column_type from (describe {relation})").fetchall()
            parquet_types = connection.execute("select column_type from (describe from read_parquet(?))",
                                               [parquet]).fetchall()
            assert parquet_types == warehouse_types, name


def test_the_serving_file_shows_every_mart_with_its_docs_read_only(manifest, exports):
    project, current, published = exports
    marts = served_marts(manifest)
    with duckdb.connect(str(project.exports / SERVING_FILE), read_only=True) as connection:
        assert comments(connection, list(marts)) == yaml_descriptions(marts)
        assert forbidden_columns(connection, list(marts)) == []
        [(build_id, marts_published)] = connection.execute("select build_id, marts from served_build").fetchall()
        assert build_id == published["build_id"] == current.resolve().name
        assert marts_published == len(marts)
        for name in marts:
            (rows,) = connection.execute(f'select count(*) from "{name}"').fetchone()
            assert rows == next(mart["rows"] for mart in published["marts"] if mart["name"] == name)


def test_the_bi_exposure_names_every_served_mart_and_the_metrics_exposure_the_charted_metrics(manifest):
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    serving = exposures["bi_serving_file"]["depends_on"]["nodes"]
    assert sorted(node.split(".")[-1] for node in serving) == sorted(served_marts(manifest))
    metrics = exposures["semantic_layer_metrics"]["depends_on"]["nodes"]
    assert all(node in manifest["metrics"] for node in metrics)
    assert {node.split(".")[-1] for node in metrics} == {
        "sessions", "conversions", "conversion_rate", "orders", "revenue", "average_order_value",
        "targeted_conversions", "lift", "roi",
    }
