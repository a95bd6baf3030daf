"""dbt build on Spark, with the dbt Python models run by this package between dbt's steps.

dbt-spark's session method runs SQL models only. This runs the whole project in one process and
one SparkSession (dbt-spark opens the same one), in the order the DAG allows:

1. dbt build of everything that does not depend on a Python model (staging to session_features,
   user_rfm, the data-quality marts, and their data and unit tests);
2. each Python model whose parents are built, on the driver against Spark tables
   (python_models; propensity_predictions as the Spark scoring job), then dbt run of the SQL
   models whose parents are now all built - repeated until the DAG is done;
3. dbt test of everything from the Python models down (a test may read models of two rounds
   of step 2, so the tests wait for the last one).

Usage (any dbt flags, passed to every dbt step)::

    python -m shopper_propensity.spark.build --target spark --vars '{model_health_severity: error}'
"""

from __future__ import annotations

import os
import sys
import time

from shopper_propensity.spark.python_models import run_python_model
from shopper_propensity.spark.session import spark_session

BUILT_TYPES = ("model", "seed", "snapshot")
# Set after step 1: later dbt steps skip the panel file checks and source registration (no
# model after step 1 reads a source; macros/panel_files.sql reads it).
FILES_READY_ENV = "SHOPPER_PANEL_FILES_READY"


class SparkBuildError(RuntimeError):
    """A dbt step or a Python model failed; the message says which."""


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  [spark build] {message}", flush=True)


def build_plan(manifest) -> tuple[list[str], set[str], dict[str, set[str]]]:
    """(the Python models in DAG order, the nodes downstream of one, each node's built parents)."""
    nodes = {uid: node for uid, node in manifest.nodes.items() if node.resource_type in BUILT_TYPES}
    parents = {uid: {p for p in getattr(node.depends_on, "nodes", []) if p in nodes} for uid, node in nodes.items()}
    python = [uid for uid, node in nodes.items() if node.resource_type == "model" and node.language == "python"]
    downstream, frontier = set(), set(python)
    while frontier:
        frontier = {uid for uid, ups in parents.items() if ups & frontier} - downstream
        downstream |= frontier
    ordered, placed = [], set()
    while len(ordered) < len(python):
        ready = sorted(uid for uid in python if uid not in placed and not (parents[uid] & set(python)) - placed)
        ordered.extend(ready)
        placed.update(ready)
    return ordered, downstream - set(python), parents


def open_project(dbt_args: list[str], app_name: str):
    """(the SparkSession, the parsed manifest, a function running one dbt command with dbt_args
    in that session that raises SparkBuildError when it fails)."""
    from dbt.cli.main import dbtRunner

    spark = spark_session(app_name)
    parsed = dbtRunner().invoke(["parse", *dbt_args])
    if not parsed.success:
        raise SparkBuildError(f"dbt parse failed: {parsed.exception}")
    manifest = parsed.result
    runner = dbtRunner(manifest=manifest)

    def dbt(*args: str) -> None:
        _log("dbt " + " ".join(args[:8]) + (" ..." if len(args) > 8 else ""))
        result = runner.invoke([*args, *dbt_args])
        if not result.success:
            raise SparkBuildError(f"dbt {args[0]} failed (see the log above): {result.exception or ''}")

    return spark, manifest, dbt


def build(dbt_args: list[str]) -> None:
    spark, manifest, dbt = open_project(dbt_args, "shopper_propensity dbt build")
    python, downstream, parents = build_plan(manifest)
    name = {uid: manifest.nodes[uid].name for uid in parents}
    dbt("build", "--exclude", *(f"{name[uid]}+" for uid in python))
    os.environ[FILES_READY_ENV] = "true"
    done = set(parents) - downstream - set(python)
    while pending := (set(python) | downstream) - done:
        for uid in python:
            if uid in pending and parents[uid] <= done:
                started = time.perf_counter()
                rows = run_python_model(spark, manifest, uid)
                _log(f"python model {name[uid]}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
                done.add(uid)
        ready = sorted(uid for uid in downstream - done if parents[uid] <= done)
        if ready:
            dbt("run", "--select", *(name[uid] for uid in ready))
            done.update(ready)
        if not (pending - done) < pending:
            raise SparkBuildError(f"cannot order {sorted(name[uid] for uid in pending)}")
    dbt("test", "--select", *(f"{name[uid]}+" for uid in python))


def main() -> None:
    started = time.perf_counter()
    try:
        build(sys.argv[1:])
    except SparkBuildError as error:
        _log(str(error))
        sys.exit(1)
    _log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
