"""The Spark scoring job: propensity_predictions from session_features on Spark.

session_features stays on the cluster: its rows of the two scored splits (split_predicates)
reach Python workers in Arrow batches (mapInArrow: the pandas-UDF machinery without the pandas
round trip - score_batch works on Arrow, and PySpark 4's pandas conversion does not support
the pandas 3 this project runs); the registry's models - every candidate's fitted model, the
champion among them, with their shared encoder - are loaded on the driver from the artifact
folder the registry points at (each file checked against its SHA-256), broadcast once and
unpickled once per worker, so the executors need no access to the artifact folder; each batch
is scored by propensity.scoring.score_batch, the function the DuckDB path scores with, so both
give the same scores. Training stays where it was: the
registry is fitted on the driver from a bounded, seeded sample (propensity.inputs.load_rows).

Run it after the SQL layer and the registry are built::

    spark-submit shopper_propensity/spark/scoring.py --schema shopper_propensity --artifact-dir artifacts
    python -m shopper_propensity.spark.scoring --schema shopper_propensity --artifact-dir artifacts

The same function serves a Databricks job (the module as a spark_python_task) or a dbt Python
model on a job cluster: ``return predictions(spark, registry, features, artifact_dir)`` with the
two refs as Spark DataFrames (README "Running on Spark").
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.inputs import feature_columns
from shopper_propensity.propensity.registry import registry_models
from shopper_propensity.propensity.scoring import PREDICTION_SCHEMA, score_batch, split_predicates
from shopper_propensity.propensity.splits import SplitWindows, registry_windows
from shopper_propensity.settings import PropensitySettings

# Rows per Arrow batch handed to a Python worker: scoring has a fixed cost per call.
BATCH_ROWS = 50_000
SPARK_TYPES = {pa.string(): "string", pa.int64(): "bigint", pa.date32(): "date", pa.bool_(): "boolean",
               pa.float64(): "double"}
PREDICTION_DDL = ", ".join(f"{field.name} {SPARK_TYPES[field.type]}" for field in PREDICTION_SCHEMA)

_loaded: dict[str, tuple] = {}  # per Python worker: digest of the broadcast -> (encoder, models)


def predictions(spark, registry: pd.DataFrame, features, artifact_dir: str):
    """propensity_predictions as a Spark DataFrame (lazy): every registry model's scores of the
    validation window (primary domain) and the test period (every domain), one row per
    pseudo-session, split and model, with the registry's model_version_id, as
    propensity.scoring.score_splits gives them. Always the whole table: on Spark every run
    rescores with the current version (the DuckDB model is the incremental one)."""
    require_rows(registry, "propensity_model_registry")
    target = registry["target"].iloc[0]
    version_id = registry["model_version_id"].iloc[0]
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
    blob = pickle.dumps(registry_models(registry, artifact_dir), protocol=pickle.HIGHEST_PROTOCOL)
    models_key = hashlib.sha256(blob).hexdigest()
    models_blob = spark.sparkContext.broadcast(blob)
    columns = feature_columns(target)
    splits = None
    for split, predicate in split_predicates(registry).items():
        rows = features.where(predicate).selectExpr(*columns, f"'{split}' as split")
        splits = rows if splits is None else splits.unionByName(rows)

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        if models_key not in _loaded:
            _loaded[models_key] = pickle.loads(models_blob.value)
        encoder, models = _loaded[models_key]
        for batch in batches:
            table = pa.Table.from_batches([batch])
            for split in pc.unique(table.column("split")).to_pylist():
                rows = table.filter(pc.equal(table.column("split"), split)).drop_columns(["split"])
                yield from score_batch(rows, split, target, encoder, models, version_id)

    return splits.mapInArrow(score, schema=PREDICTION_DDL)


def predictions_model(dbt, session):
    """propensity_predictions as the Spark build runs it in place of the dbt Python model (the
    same refs, orders-only rule and settings check as python_models/propensity/propensity_predictions.py)."""
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    if not settings.panel_has_sessions:
        return orders_only_table(PREDICTION_SCHEMA)
    registry = dbt.ref("propensity_model_registry").df()
    require_rows(registry, "propensity_model_registry")
    registry_windows(registry, SplitWindows.from_vars(settings.train_end, settings.validation_months),
                     settings.primary_domain)
    return predictions(session, registry, dbt.ref("session_features").dataframe(), settings.artifact_dir)


def main(argv: list[str] | None = None) -> None:
    from shopper_propensity.spark.session import spark_session
    from shopper_propensity.spark.tables import write_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", required=True, help="schema of the marts (session_features): the target's")
    parser.add_argument("--registry-schema", default="ml", help="schema of propensity_model_registry (default ml)")
    parser.add_argument("--artifact-dir", default=os.environ.get("SHOPPER_ARTIFACT_DIR", "artifacts"),
                        help="the artifact folder the registry points at (env SHOPPER_ARTIFACT_DIR, else artifacts)")
    parser.add_argument("--output", help="table to write (default ml.propensity_predictions)")
    args = parser.parse_args(argv)
    spark = spark_session("shopper_propensity scoring")
    registry = spark.table(f"{args.registry_schema}.propensity_model_registry").toPandas()
    scored = predictions(spark, registry, spark.table(f"{args.schema}.session_features"), args.artifact_dir)
    rows = write_table(spark, scored, args.output or f"{args.registry_schema}.propensity_predictions")
    print(f"propensity_predictions: {rows:,} rows")


if __name__ == "__main__":
    main()
