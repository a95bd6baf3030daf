"""DuckDB's profile of the slowest SQL models of a bench build (issue 19): where each one's time
goes, operator by operator, and what the session_features lineage costs with nothing else running.

After the build, the compiled SQL of its slowest SQL models and of every SQL model of the
session_features lineage (their full-build form, from run_results.json) runs again under
EXPLAIN (ANALYZE, FORMAT JSON) against the build's warehouse, opened read-only with the build's
memory_limit: nothing is written. The rerun reads warm files and has the machine to itself, so
its total is a lower bound of the model's time in the build, where it shared the two cores with
another model: summed over the lineage, it is the floor of the same-work comparison with pandas.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from bench import dbt_results

SLOWEST_MODELS = 3
TOP_OPERATORS = 5


def operators(plan: dict) -> list[dict]:
    """Every operator of a JSON profile, flattened: name, seconds and the rows it produced (the
    keys of DuckDB 1.x's profile and of the newer one both read)."""
    found = []

    def walk(node: dict) -> None:
        found.append({"name": node.get("name") or node.get("operator_name") or node.get("operator_type"),
                      "seconds": float(node.get("timing", node.get("operator_timing")) or 0.0),
                      "rows": node.get("intermediate_rows", node.get("operator_cardinality"))})
        for child in node.get("children", []):
            walk(child)

    roots = plan["operator"] if isinstance(plan.get("operator"), list) else plan.get("children", [])
    for root in roots:
        walk(root)
    return found


def profile_sql(warehouse: Path, sql: str, memory_limit: str) -> dict:
    """One query's profile: total and CPU seconds, peak memory, bytes spilled, and the
    TOP_OPERATORS operators that took longest."""
    with duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": memory_limit}) as connection:
        [(_, text)] = connection.execute(f"explain (analyze, format json) {sql}").fetchall()
    plan = json.loads(text)
    query, system = plan.get("query", {}), plan.get("system", {})
    return {
        "total_s": query.get("total_time", plan.get("latency")),
        "cpu_s": query.get("cpu_time", plan.get("cpu_time")),
        "peak_memory_bytes": system.get("peak_buffer_memory"),
        "spilled_bytes": system.get("total_bytes_spilled"),
        "operators": sorted(operators(plan), key=lambda operator: -operator["seconds"])[:TOP_OPERATORS],
    }


def profile_build(build_dir: Path, memory_limit: str, count: int = SLOWEST_MODELS) -> list[dict]:
    """The profiles of a finished build's `count` slowest SQL models (by dbt's execution time) and
    of every SQL model of the session_features lineage, slowest first; each says whether it is
    in the lineage."""
    target = build_dir / "target"
    compiled = {result["unique_id"]: result.get("compiled_code")
                for result in json.loads((target / "run_results.json").read_text())["results"]}
    features = dbt_results.lineage(target / "manifest.json")
    models = [timing for timing in dbt_results.node_timings(target)
              if timing["resource_type"] == "model" and timing["language"] == "sql"
              and timing["status"] == "success" and compiled.get(timing["unique_id"])]
    profiled = [timing for rank, timing in enumerate(models) if rank < count or timing["unique_id"] in features]
    return [{"name": timing["name"], "build_s": timing["execution_time"],
             "in_features_lineage": timing["unique_id"] in features,
             **profile_sql(build_dir / "warehouse.duckdb", compiled[timing["unique_id"]], memory_limit)}
            for timing in profiled]


def profile_build_apart(build_dir: Path, memory_limit: str) -> list[dict]:
    """profile_build in a child process: DuckDB's buffers then never enlarge the bench's own
    process, whose resident size every later measured command would inherit in its kernel
    high-water mark (a forked child starts from its parent's pages; procmon reads ru_maxrss)."""
    done = subprocess.run([sys.executable, "-m", "bench.profiles", str(Path(build_dir).absolute()), memory_limit],
                          check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout)


if __name__ == "__main__":
    print(json.dumps(profile_build(Path(sys.argv[1]), sys.argv[2])))
