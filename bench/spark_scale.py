"""The SQL layer and the scoring job on local Spark at a bench scale (issue 21):

    .venv-spark/bin/python -m bench.spark_scale --panel-dir data/bench/10x-parquet --format parquet

Steps, in one SparkSession as `shopper_propensity.spark.build` runs them: the seeds, `dbt run` of
session_features, user_rfm and the row accounting with every parent (no data tests: the CI runs
them on a small panel), the registry trained on the driver from its bounded sample, then the
Spark scoring job writing propensity_predictions. The command runs under bench.procmon (wall
time, peak RSS of the process tree, the JVM included); each step's time and its tables' rows go
to <run-dir>/spark_scale.json. The Spark settings are the local ones with a larger driver and
shuffle partitions scaled to the panel (--driver-memory, --shuffle-partitions).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.procmon import run_measured

REPO = Path(__file__).resolve().parent.parent
LOCAL_CONF = REPO / "shopper_propensity" / "spark" / "conf"
SQL_LAYER = ("+session_features", "+user_rfm", "+panel_rejects", "+panel_row_accounting")
PYTHON_STEPS = ("propensity_model_registry", "propensity_predictions")
COUNTED = ("base_comscore__sessions", "base_comscore__transactions", "session_features", "user_rfm",
           "panel_rejects", "propensity_predictions")
ROWS_PER_SHUFFLE_PARTITION = 2_000_000  # ~100-200 MB per shuffle partition of the session tables


def spark_conf_dir(run_dir: Path, driver_memory: str, shuffle_partitions: int) -> Path:
    """The local Spark configuration with this run's driver memory and shuffle partitions."""
    conf = run_dir / "conf"
    shutil.copytree(LOCAL_CONF, conf, dirs_exist_ok=True)
    overrides = {"spark.driver.memory": driver_memory, "spark.sql.shuffle.partitions": str(shuffle_partitions),
                 "spark.local.dir": str(run_dir / "spark-tmp")}
    lines = [line for line in (LOCAL_CONF / "spark-defaults.conf").read_text().splitlines()
             if line.split(maxsplit=1)[:1] not in ([key] for key in overrides)]
    lines += [f"{key:<45}{value}" for key, value in overrides.items()]
    (conf / "spark-defaults.conf").write_text("\n".join(lines) + "\n")
    return conf


def run_steps(dbt_args: list[str], out: Path) -> None:
    """In the measured child: the SQL layer, the registry, the scoring job; step times to `out`."""
    from shopper_propensity.spark.build import open_project
    from shopper_propensity.spark.python_models import relation_name, run_python_model

    steps = []

    def timed(step: str, work) -> None:
        started = time.perf_counter()
        rows = work()
        steps.append({"step": step, "seconds": round(time.perf_counter() - started, 1), "rows": rows})
        print(f"{time.strftime('%H:%M:%S')}  {step}: {steps[-1]['seconds']} s", flush=True)
        out.write_text(json.dumps(steps, indent=2))

    spark, manifest, dbt = open_project(dbt_args, "shopper_propensity bench")
    by_name = {node.name: uid for uid, node in manifest.nodes.items() if node.resource_type == "model"}

    timed("dbt seed", lambda: dbt("seed"))
    timed("dbt run: " + " ".join(SQL_LAYER), lambda: dbt("run", "--select", *SQL_LAYER))
    for name in PYTHON_STEPS:
        timed(name, lambda name=name: run_python_model(spark, manifest, by_name[name]))
    rows = {name: spark.table(relation_name(manifest.nodes[by_name[name]])).count() for name in COUNTED}
    steps.append({"step": "rows", "rows": rows})
    out.write_text(json.dumps(steps, indent=2))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panel-dir", type=Path, required=True)
    parser.add_argument("--format", choices=("csv", "parquet"), default="parquet")
    parser.add_argument("--run-dir", type=Path,
                        help="metastore, tables, logs and report (default bench/runs/spark/<panel>)")
    parser.add_argument("--driver-memory", default="16g", help="local Spark's JVM heap (24 GB machine)")
    parser.add_argument("--session-rows", type=int, help="panel session rows: sets the shuffle partitions")
    parser.add_argument("--shuffle-partitions", type=int, help="default: session rows / 2M, at least 8")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the measured process: steps to this file
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_steps(["--target", "spark", "--project-dir", str(REPO), "--target-path", "target-spark"], args.child)
        return 0
    run_dir = (args.run_dir or REPO / "bench" / "runs" / "spark" / args.panel_dir.name).resolve()
    shutil.rmtree(run_dir, ignore_errors=True)  # a fresh metastore and warehouse: every table built
    run_dir.mkdir(parents=True)
    partitions = args.shuffle_partitions or max(8, (args.session_rows or 0) // ROWS_PER_SHUFFLE_PARTITION)
    env = {**os.environ, "SPARK_CONF_DIR": str(spark_conf_dir(run_dir, args.driver_memory, partitions)),
           "DBT_PROFILES_DIR": str(REPO), "SHOPPER_PANEL_DIR": str(args.panel_dir.resolve()),
           "SHOPPER_PANEL_FORMAT": args.format, "SHOPPER_ARTIFACT_DIR": str(run_dir / "artifacts"),
           "PYTHONPATH": str(REPO)}
    steps_file = run_dir / "steps.json"
    load_at_start = os.getloadavg()
    print(f"[spark scale] {args.panel_dir} ({args.format}), {partitions} shuffle partitions, "
          f"driver {args.driver_memory}; log in {run_dir}", flush=True)
    measured = run_measured([sys.executable, "-m", "bench.spark_scale", "--panel-dir", str(args.panel_dir),
                             "--child", str(steps_file)], log_dir=run_dir, name="spark", env=env, cwd=run_dir,
                            watch_dir=run_dir / "spark-tmp")
    report = {"panel_dir": str(args.panel_dir), "format": args.format, "shuffle_partitions": partitions,
              "driver_memory": args.driver_memory,
              "load_average": {"start": load_at_start, "end": os.getloadavg()},
              "steps": json.loads(steps_file.read_text()) if steps_file.exists() else [],
              "measured": {key: value for key, value in measured.to_dict().items() if key not in ("stdout", "stderr")}}
    (run_dir / "spark_scale.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0 if measured.ok else 1


if __name__ == "__main__":
    sys.exit(main())
