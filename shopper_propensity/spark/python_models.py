"""A dbt Python model run on the Spark driver, as dbt-duckdb would run it: its own code (read
from the manifest), handed a ``dbt`` object whose refs are Spark tables (SparkRelation) and
whose config is the model's, its returned frame written as a Spark table.

The readers of the package collect only what they need: the registry's training sample is
bounded (max_train_rows per window), health and importance read counts and a sample. One
model is replaced: propensity_predictions, which scores every session, runs as the Spark
scoring job (mapInArrow on the executors) instead of streaming every row through the driver.
"""

from __future__ import annotations

from shopper_propensity.spark import scoring
from shopper_propensity.spark.relation import SparkRelation
from shopper_propensity.spark.tables import write_table

# Python models whose work Spark does differently: name -> a function of (dbt, session).
SPARK_REPLACEMENTS = {"propensity_predictions": scoring.predictions_model}


class _Config:
    """dbt.config of a Python model: config(...) is a no-op, get(key) reads the manifest's config."""

    def __init__(self, config: dict):
        self._config = config

    def __call__(self, **_settings) -> None:
        pass

    def get(self, key: str, default=None):
        return self._config.get(key, default)


class _Dbt:
    # Spark builds every Python model as a table: the incremental ones (predictions, the
    # monitoring counts) rebuild whole, as on a DuckDB --full-refresh.
    is_incremental = False

    def __init__(self, spark, node, relation_names: dict[str, str]):
        self._spark = spark
        self._relation_names = relation_names
        self.config = _Config(node.config.to_dict())

    def ref(self, name: str) -> SparkRelation:
        return SparkRelation.table(self._spark, self._relation_names[name])


def relation_name(node) -> str:
    """schema.identifier of a model or seed on Spark (no database level)."""
    return f"{node.schema}.{node.alias}"


def run_python_model(spark, manifest, unique_id: str) -> int:
    """Run one Python model of the manifest on Spark and write its table; returns its rows."""
    node = manifest.nodes[unique_id]
    relation_names = {other.name: relation_name(other) for other in manifest.nodes.values()
                      if other.resource_type in ("model", "seed", "snapshot")}
    if node.name in SPARK_REPLACEMENTS:
        model = SPARK_REPLACEMENTS[node.name]
    else:
        namespace: dict = {}
        exec(compile(node.raw_code, node.original_file_path, "exec"), namespace)  # the model file, as dbt runs it
        model = namespace["model"]
    return write_table(spark, model(_Dbt(spark, node, relation_names), spark), relation_name(node))
