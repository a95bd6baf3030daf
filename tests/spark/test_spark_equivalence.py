"""The SQL layer and the scoring on Spark give what DuckDB gives (issue 21), on a small panel.

One panel is built twice: by dbt-duckdb (`dbt build`, models and seeds) and on local Spark
(`python -m shopper_propensity.spark.build --target spark`: dbt-spark's session method with every
data and unit test, the Python models run by the package, propensity_predictions by the Spark
scoring job). Then session_features, user_rfm, panel_rejects and panel_row_accounting must hold
the same rows (floats within 1e-9), and the Spark job's scores must equal the package's own
scoring of a sample of rows (within 1e-6). The same panel written as Parquet goes through the
file registration and the base models on both adapters (the models every other one reads), whose
rows, rejects and accounting must agree too. Run by `make test-spark` in the Spark venv
(.venv-spark), with tests/python on the path for its helpers. The Spark tables are read from
their Parquet files by DuckDB, so both sides go through the same conversions. Both builds put
each layer in its schema (macros/schemas.sql): the marts in the target's schema (main on DuckDB,
SHOPPER_SPARK_SCHEMA on Spark), the rest in staging, intermediate and ml.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from conftest import DBT, REPO_ROOT, DbtProject, generate_panel
from shopper_propensity.propensity.inputs import feature_columns
from shopper_propensity.propensity.registry import registry_models
from shopper_propensity.propensity.scoring import score_batch, split_predicates
from shopper_propensity.spark.python_models import SPARK_REPLACEMENTS
from shopper_propensity.warehouse import connect
from shopper_propensity.warehouse_fingerprint import BUILD_LOG_TABLES

SESSIONS, SEED = 5_000, 11
SCHEMA = "spark_equivalence"
FLOAT_TOLERANCE, SCORE_TOLERANCE = 1e-9, 1e-6
SCORED_SAMPLE_ROWS = 2_000
# table -> its key: the Parquet panel's tables compared row by row
COMPARED_PARQUET = {
    "base_comscore__sessions": [],  # no key column: sorted by all
    "panel_rejects": ["reject_id"],
    "panel_row_accounting": ["source_table"],
}
# table -> its key: the tables the issue names, compared row by row
COMPARED = {
    "session_features": ["pseudo_session_id"],
    "user_rfm": ["machine_id", "domain_name"],
    "panel_rejects": ["reject_id"],
    "panel_row_accounting": ["source_table"],
    # issue 20's forecast: the repeat Python models on the driver, then the mart through dbt-spark
    "user_repeat_forecast": ["machine_id", "domain_name"],
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> SimpleNamespace:
    work = tmp_path_factory.mktemp("spark_equivalence")
    panel = generate_panel(work / "panel", sessions=SESSIONS, seed=SEED)
    duck_dir, spark_dir = work / "duckdb", work / "spark"
    duck_dir.mkdir()
    spark_dir.mkdir()

    duck = DbtProject(duck_dir, panel)
    started = time.perf_counter()
    result = duck.run("build", "--resource-type", "model", "--resource-type", "seed")
    duck_seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-3000:]

    result, spark_seconds = spark_build(spark_dir, panel, "csv", sys.executable, "-m", "shopper_propensity.spark.build")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return SimpleNamespace(duckdb=duck.database, warehouse=spark_dir / "spark-warehouse",
                           target=spark_dir / "target", artifacts=spark_dir / "artifacts",
                           duck_seconds=duck_seconds, spark_seconds=spark_seconds, log=log)


def spark_build(work, panel, panel_format: str, *args: str,
                panel_layout: str = "single") -> tuple[subprocess.CompletedProcess, float]:
    """dbt on local Spark (SHOPPER_SPARK_SCHEMA) in `work`, where its metastore_db/ and
    spark-warehouse/ land: `args` is the command, e.g. shopper_propensity.spark.build's."""
    env = {**DbtProject(work, panel, panel_format, panel_layout).env, "SHOPPER_SPARK_SCHEMA": SCHEMA,
           "SPARK_CONF_DIR": str(REPO_ROOT / "shopper_propensity" / "spark" / "conf")}
    command = [*args, "--project-dir", str(REPO_ROOT), "--target", "spark", "--target-path", str(work / "target"),
               "--log-path", str(work / "target" / "logs")]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    return result, time.perf_counter() - started


@pytest.fixture(scope="module")
def parquet_builds(tmp_path_factory) -> SimpleNamespace:
    """The panel as Parquet: the base models and the data-quality marts on both adapters."""
    work = tmp_path_factory.mktemp("spark_parquet")
    panel = generate_panel(work / "panel", sessions=SESSIONS, seed=SEED, panel_format="parquet")
    duck_dir, spark_dir = work / "duckdb", work / "spark"
    duck_dir.mkdir()
    spark_dir.mkdir()
    selection = ("--select", *(f"+{table}" for table in COMPARED_PARQUET))
    duck = DbtProject(duck_dir, panel, "parquet")
    result = duck.run("run", *selection)
    assert result.returncode == 0, result.stdout[-3000:]
    result, _ = spark_build(spark_dir, panel, "parquet", str(DBT), "run", *selection)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return SimpleNamespace(duckdb=duck.database, warehouse=spark_dir / "spark-warehouse")


def spark_table_dir(builds, table: str, schema: str):
    """Where the Spark build wrote a table: spark-warehouse/<schema>.db/<table>, the marts
    (DuckDB's main) in the target's schema; None when it is not there."""
    folder = builds.warehouse / f"{SCHEMA if schema == 'main' else schema}.db" / table
    return folder if folder.is_dir() else None


def spark_table(builds, table: str, schema: str = "main") -> str:
    """A Spark table's Parquet files as a DuckDB relation."""
    return f"read_parquet('{spark_table_dir(builds, table, schema)}/*.parquet')"


def schema_of(connection, table: str) -> str:
    """The schema of a table of the DuckDB build (its layer's)."""
    return connection.sql("select table_schema from information_schema.tables "
                          f"where table_name = '{table}'").fetchall()[0][0]


def read(connection, relation: str) -> pd.DataFrame:
    """Rows of a relation; unsigned ids (ubigint on DuckDB, decimal(20,0) on Spark) and event_time
    (time on DuckDB, HH:MM:SS text on Spark) as text."""
    described = connection.sql(f"describe select * from {relation}").fetchall()
    columns = [f"cast({name} as varchar) as {name}" if kind in ("UBIGINT", "DECIMAL(20,0)", "TIME") else name
               for name, kind, *_ in described]
    return connection.sql(f"select {', '.join(columns)} from {relation}").df()


def differences(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]) -> list[str]:
    """What differs between two tables: columns, row count, then each column row by row (floats
    within FLOAT_TOLERANCE, everything else equal, missing = missing)."""
    if list(duck.columns) != list(spark.columns):
        return [f"columns {list(duck.columns)} vs {list(spark.columns)}"]
    if len(duck) != len(spark):
        return [f"{len(duck)} rows vs {len(spark)}"]
    keys = keys or list(duck.columns)
    duck = duck.sort_values(keys).reset_index(drop=True)
    spark = spark.sort_values(keys).reset_index(drop=True)
    found = []
    for column in duck.columns:
        left, right = duck[column], spark[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            same = np.isclose(left.to_numpy(float), right.to_numpy(float), rtol=FLOAT_TOLERANCE,
                              atol=FLOAT_TOLERANCE, equal_nan=True)
        else:
            same = np.array([(a is None or a is pd.NA or a != a) and (b is None or b is pd.NA or b != b) or a == b
                             for a, b in zip(left.astype(object), right.astype(object), strict=True)])
        if not same.all():
            row = int(np.flatnonzero(~same)[0])
            found.append(f"{column}: {(~same).sum()} rows differ, e.g. {left[row]!r} vs {right[row]!r}")
    return found


def test_spark_build_passes(builds, capsys):
    with capsys.disabled():
        print(f"\nDuckDB build (models, seeds): {builds.duck_seconds:.0f} s; "
              f"Spark build (models, seeds, data and unit tests, scoring job): {builds.spark_seconds:.0f} s")
    assert "[spark build] done" in builds.log


def assert_same_rows(builds, table: str, keys: list[str], capsys, label: str = "") -> None:
    """The DuckDB table and its Spark twin hold the same rows (see differences)."""
    with connect(builds.duckdb) as connection:
        schema = schema_of(connection, table)
        duck = read(connection, f"{schema}.{table}")
        spark = read(connection, spark_table(builds, table, schema))
    with capsys.disabled():
        print(f"\n{table}{label}: DuckDB {len(duck):,} rows, Spark {len(spark):,} rows, {len(duck.columns)} columns")
    assert len(duck) > 0
    assert differences(duck, spark, keys) == []


@pytest.mark.parametrize("table", COMPARED)
def test_spark_gives_the_same_rows(builds, table, capsys):
    assert_same_rows(builds, table, COMPARED[table], capsys)


@pytest.mark.parametrize("table", COMPARED_PARQUET)
def test_spark_reads_parquet_as_duckdb_does(parquet_builds, table, capsys):
    assert_same_rows(parquet_builds, table, COMPARED_PARQUET[table], capsys, " (Parquet panel)")


def test_spark_scoring_equals_pandas_scoring(builds, capsys):
    """The Spark job's scores of a seeded sample of rows, against propensity.scoring.score_batch on
    the same rows and the same registry, outside Spark."""
    with duckdb.connect() as connection:
        registry = connection.sql(f"select * from {spark_table(builds, 'propensity_model_registry', 'ml')}").df()
        target = registry["target"].iloc[0]
        encoder, models = registry_models(registry, builds.artifacts)
        expected = []
        for split, predicate in split_predicates(registry).items():
            sample = connection.sql(
                f"select {', '.join(feature_columns(target))} from {spark_table(builds, 'session_features')} "
                f"where {predicate} order by md5(pseudo_session_id) limit {SCORED_SAMPLE_ROWS}"
            ).to_arrow_table()
            expected.extend(score_batch(sample, split, target, encoder, models, registry["model_version_id"].iloc[0]))
        expected = pa.Table.from_batches(expected).to_pandas()
        connection.register("expected", expected)
        compared = connection.sql(
            f"select expected.score as pandas_score, spark.score as spark_score, "
            f"expected.is_predicted_positive = spark.is_predicted_positive as same_flag "
            f"from expected left join {spark_table(builds, 'propensity_predictions', 'ml')} as spark "
            f"using (pseudo_session_id, split, model_name)"
        ).df()
    gap = (compared["pandas_score"] - compared["spark_score"]).abs()
    with capsys.disabled():
        print(f"\nSpark vs pandas scoring: {len(compared):,} scores ({len(models)} models), "
              f"largest difference {gap.max():.2e}")
    assert len(compared) == len(expected) > 0
    assert compared["spark_score"].notna().all()
    assert (gap <= SCORE_TOLERANCE).all()
    assert compared["same_flag"].all()


def test_spark_build_leaves_no_model_out(builds, capsys):
    """Every table the DuckDB build makes, the Spark build makes with as many rows (the tables
    compared row by row above, and the rest, the Python models' outputs included). Prints the
    models x adapters table."""
    manifest = json.loads((builds.target / "manifest.json").read_text())
    how = {node["name"]: ("Spark scoring job" if node["name"] in SPARK_REPLACEMENTS
                          else "package on the driver" if node.get("language") == "python" else "dbt-spark")
           for node in manifest["nodes"].values() if node["resource_type"] in ("model", "seed")}
    with connect(builds.duckdb) as connection:
        tables = [(schema, table) for schema, table in connection.sql(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall() if table not in BUILD_LOG_TABLES]
        counts = {table: (connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0],
                          connection.execute(f"select count(*) from {spark_table(builds, table, schema)}").fetchone()[0]
                          if spark_table_dir(builds, table, schema) else None)
                  for schema, table in sorted(tables, key=lambda row: row[1])}
    with capsys.disabled():
        print("\n| table | DuckDB rows | Spark rows | on Spark |\n|---|---|---|---|")
        for table, (duck, spark) in counts.items():
            print(f"| {table} | {duck:,} | {'-' if spark is None else f'{spark:,}'} | {how.get(table, '?')} |")
    missing = sorted(table for table, (_, spark) in counts.items() if spark is None)
    assert missing == []
    unequal = {table: pair for table, pair in counts.items() if pair[0] != pair[1]}
    assert unequal == {}


def test_spark_stops_on_a_panel_of_daily_files_naming_the_layout(tmp_path):
    """Spark reads one file per table: a daily panel stops the build before any model."""
    panel = generate_panel(tmp_path / "panel", 5_000, SEED, "csv", "default", "--layout", "daily",
                           "--through", "2020-01-07")
    result, _ = spark_build(tmp_path, panel, "csv", str(DBT), "run", "--select", "base_comscore__sessions",
                            panel_layout="daily")
    assert result.returncode != 0
    assert "The panel layout (var panel_layout, env SHOPPER_PANEL_LAYOUT) is 'daily': the Spark build reads " \
           "the single layout only" in result.stdout
