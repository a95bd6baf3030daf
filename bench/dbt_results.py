"""What a `dbt build` left behind, in benchmark terms: per-node wall time from
target/run_results.json (typed by target/manifest.json) and rows per stage from the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

# The model whose lineage does the pandas baseline's work (read, dedupe, group, merge, recency).
FEATURES_MODEL = "session_features"

# Statuses of a node that did its job (dbt: models succeed, tests pass; warn is a passing test).
OK_STATUSES = {"success", "pass", "warn"}


def did_its_job(timing: dict) -> bool:
    """True for a node with an OK status, and for an exposure (the report's figures): it has
    nothing to run and dbt build reports it no-op."""
    if timing["status"] in OK_STATUSES:
        return True
    return timing["status"] == "no-op" and timing["unique_id"].startswith("exposure.")


# The pipeline's stages in data-flow order: (model, what its rows are).  Models that do not
# exist in the build are left out, so the list can run ahead of the project.
STAGES = (
    ("base_comscore__sessions", "session rows read (typed, incl. rejects and duplicates)"),
    ("stg_comscore__sessions", "session rows kept"),
    ("base_comscore__transactions", "transaction rows read"),
    ("stg_comscore__transactions", "transaction rows kept"),
    ("panel_rejects", "rows set aside (invalid or duplicate)"),
    ("int_sessions_aggregated_to_pseudo_sessions", "pseudo-sessions (machine, day, domain)"),
    ("int_transactions_aggregated_to_pseudo_sessions", "pseudo-sessions with a purchase"),
    ("int_transactions_grouped_to_orders", "orders"),
    ("int_pseudo_sessions_joined", "pseudo-sessions joined to purchases"),
    ("session_features", "session features"),
    ("user_rfm", "users x domains (RFM)"),
    ("user_segments", "segmented users"),
    ("propensity_predictions", "scored rows (all models, all splits)"),
    ("session_scores", "scored sessions"),
)


def node_timings(target_dir: Path) -> list[dict]:
    """One entry per executed node: id, type, language, materialization, status, seconds."""
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    manifest = json.loads((target_dir / "manifest.json").read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    timings = []
    for result in results:
        node = nodes.get(result["unique_id"], {})
        timings.append({
            "unique_id": result["unique_id"],
            "name": node.get("name", result["unique_id"].rsplit(".", 1)[-1]),
            "resource_type": result["unique_id"].split(".", 1)[0],
            "language": node.get("language"),
            "materialized": node.get("config", {}).get("materialized"),
            "status": result["status"],
            "execution_time": result["execution_time"],
        })
    return sorted(timings, key=lambda t: -t["execution_time"])


def build_order(manifest: dict) -> dict[str, set[str]]:
    """What each node of a `dbt build` waits for: its parents; a model or seed also waits for the
    data tests on its ancestors (a test runs before the children of what it tests, once every
    node it reads is upstream of the child) and for its own unit tests."""
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    parents = {uid: set(node.get("depends_on", {}).get("nodes", [])) for uid, node in nodes.items()}
    ancestors: dict[str, set[str]] = {}

    def upstream(uid: str) -> set[str]:
        if uid not in ancestors:
            ancestors[uid] = set()  # a cycle cannot occur in a dbt graph; this only guards recursion
            found = set(parents.get(uid, ()))
            for parent in parents.get(uid, ()):
                found |= upstream(parent)
            ancestors[uid] = found
        return ancestors[uid]

    children: dict[str, set[str]] = {}
    for uid, found in parents.items():
        for parent in found:
            children.setdefault(parent, set()).add(uid)
    waits = {uid: set(found) for uid, found in parents.items()}
    for uid, node in nodes.items():
        if node["resource_type"] == "unit_test":
            waits[uid] = set()  # unit tests read fixtures, not the warehouse
            for tested in parents[uid]:
                waits.setdefault(tested, set()).add(uid)
        elif node["resource_type"] == "test":
            for parent in parents[uid]:
                for child in children.get(parent, ()):
                    if (nodes[child]["resource_type"] in ("model", "seed", "snapshot")
                            and parents[uid] <= upstream(child)):
                        waits[child].add(uid)
    return waits


def critical_path(target_dir: Path) -> dict:
    """The longest chain of nodes the build ran one after another (build_order), by dbt's
    execution times in this build: however many cores, dbt's node phase took at least its
    seconds. {"seconds", "nodes": [{"name", "seconds"}, ...] upstream first}."""
    waits = build_order(json.loads((target_dir / "manifest.json").read_text()))
    timings = node_timings(target_dir)
    seconds = {t["unique_id"]: t["execution_time"] for t in timings}
    names = {t["unique_id"]: t["name"] for t in timings}
    best: dict[str, tuple[float, str | None]] = {}

    def longest(uid: str) -> float:
        if uid not in best:
            before = max(((longest(parent), parent) for parent in waits.get(uid, ()) if parent in seconds),
                         default=(0.0, None))
            best[uid] = (before[0] + seconds[uid], before[1])
        return best[uid][0]

    end = max(seconds, key=longest, default=None)
    chain = []
    while end is not None:
        chain.append(end)
        end = best[end][1]
    return {"seconds": best[chain[0]][0] if chain else 0.0,
            "nodes": [{"name": names[uid], "seconds": seconds[uid]} for uid in reversed(chain)]}


def lineage(manifest_path: Path, model: str = FEATURES_MODEL) -> set[str]:
    """Unique ids of `model` and every model or seed upstream of it (empty if absent)."""
    nodes = json.loads(manifest_path.read_text())["nodes"]
    start = [uid for uid, node in nodes.items() if node["resource_type"] == "model" and node["name"] == model]
    seen: set[str] = set()
    while start:
        uid = start.pop()
        if uid in seen or uid not in nodes:
            continue
        seen.add(uid)
        start += nodes[uid].get("depends_on", {}).get("nodes", [])
    return seen


def summarize_timings(timings: list[dict], features: set[str] = frozenset()) -> dict:
    """Seconds summed per layer (SQL models, Python models, seeds, tests), over the lineage of
    the features model (`features`: the work the pandas baseline also does), and status counts."""
    def total(predicate) -> float:
        return sum(t["execution_time"] for t in timings if predicate(t))

    statuses: dict[str, int] = {}
    for t in timings:
        statuses[t["status"]] = statuses.get(t["status"], 0) + 1
    return {
        "sql_models_s": total(lambda t: t["resource_type"] == "model" and t["language"] != "python"),
        "python_models_s": total(lambda t: t["resource_type"] == "model" and t["language"] == "python"),
        "seeds_s": total(lambda t: t["resource_type"] == "seed"),
        "data_tests_s": total(lambda t: t["resource_type"] == "test"),
        "unit_tests_s": total(lambda t: t["resource_type"] == "unit_test"),
        "features_s": total(lambda t: t["unique_id"] in features) if features else None,
        "features_nodes": sorted(t["name"] for t in timings if t["unique_id"] in features),
        "nodes": len(timings),
        "statuses": statuses,
        "not_ok": [t["unique_id"] for t in timings if not did_its_job(t)],
    }


def relations(manifest_path: Path) -> dict[str, dict]:
    """Model name -> relation name and materialization, from the manifest."""
    manifest = json.loads(manifest_path.read_text())
    return {node["name"]: {"relation": node["relation_name"], "materialized": node["config"]["materialized"]}
            for node in manifest["nodes"].values()
            if node["resource_type"] in ("model", "seed") and node.get("relation_name")}


ACCOUNTING_SQL = "SELECT source_table, rows_in, rows_kept, rows_duplicate, rows_invalid FROM {} ORDER BY 1"


def warehouse_facts(warehouse: Path, manifest_path: Path) -> dict:
    """Exact row count of every table the build made and of the stage views (None if not
    built), and the panel's row accounting (rows in = kept + duplicates + invalid).

    Views are counted only when they are stages: counting a view re-runs its query.
    """
    known = relations(manifest_path)
    wanted = [name for name, rel in known.items() if rel["materialized"] != "view"]
    wanted += [name for name, _ in STAGES if name in known and name not in wanted]
    con = duckdb.connect(str(warehouse), read_only=True)

    def query(sql: str) -> list[tuple] | None:
        try:
            return con.execute(sql).fetchall()
        except duckdb.Error:  # not built (e.g. the build stopped before it)
            return None

    counts = {name: (query(f"SELECT count(*) FROM {known[name]['relation']}") or [[None]])[0][0] for name in wanted}
    accounting = None
    if "panel_row_accounting" in known:
        rows = query(ACCOUNTING_SQL.format(known["panel_row_accounting"]["relation"])) or []
        columns = ("source_table", "rows_in", "rows_kept", "rows_duplicate", "rows_invalid")
        accounting = [dict(zip(columns, r, strict=True))
                      for r in rows]
    con.close()
    return {"counts": counts, "accounting": accounting}


def stage_rows(counts: dict[str, int | None]) -> list[dict]:
    """The STAGES that have a count, in data-flow order."""
    return [{"model": name, "what": what, "rows": counts[name]}
            for name, what in STAGES if counts.get(name) is not None]
