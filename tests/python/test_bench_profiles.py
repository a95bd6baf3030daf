"""bench.profiles: a query's DuckDB profile read back operator by operator."""

from __future__ import annotations

import json

import duckdb

from bench import profiles


def test_a_profile_names_the_operators_that_took_the_time(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        # text keys: a small integer range would get DuckDB's perfect-hash aggregate instead
        connection.execute("create table events as "
                           "select 'user ' || (i % 1000) as user_id, i as value from range(300000) t(i)")
    profile = profiles.profile_sql(warehouse, "select user_id, sum(value) as total from events group by user_id",
                                   "1GB")
    assert profile["total_s"] > 0 and profile["peak_memory_bytes"] > 0
    names = [operator["name"] for operator in profile["operators"]]
    assert "HASH_GROUP_BY" in names and len(names) <= profiles.TOP_OPERATORS
    assert [operator["seconds"] for operator in profile["operators"]] == sorted(
        (operator["seconds"] for operator in profile["operators"]), reverse=True)
    grouped = next(operator for operator in profile["operators"] if operator["name"] == "HASH_GROUP_BY")
    assert grouped["rows"] == 1000


def test_both_profile_layouts_are_read():
    newer = {"operator": [{"name": "PROJECTION", "timing": 0.5, "intermediate_rows": 3,
                           "children": [{"name": "SEQ_SCAN", "timing": 1.5, "intermediate_rows": 3}]}]}
    older = {"children": [{"operator_name": "PROJECTION", "operator_timing": 0.5, "operator_cardinality": 3,
                           "children": [{"operator_type": "TABLE_SCAN", "operator_timing": 1.5,
                                         "operator_cardinality": 3}]}]}
    assert profiles.operators(newer) == [{"name": "PROJECTION", "seconds": 0.5, "rows": 3},
                                         {"name": "SEQ_SCAN", "seconds": 1.5, "rows": 3}]
    assert [operator["name"] for operator in profiles.operators(older)] == ["PROJECTION", "TABLE_SCAN"]


def test_a_build_is_profiled_in_a_child_process_as_in_this_one(tmp_path):
    """profile_build_apart runs profile_build in another process (so DuckDB's buffers never
    swell the bench's own memory, which later measured commands would inherit): same models."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        connection.execute("create table events as select i % 7 as k, i as value from range(50000) t(i)")
    target = tmp_path / "target"
    target.mkdir()
    uid = "model.project.totals"
    (target / "manifest.json").write_text(json.dumps({"nodes": {uid: {
        "name": "totals", "resource_type": "model", "language": "sql", "config": {"materialized": "table"},
        "depends_on": {"nodes": []}}}}))
    (target / "run_results.json").write_text(json.dumps({"results": [{
        "unique_id": uid, "status": "success", "execution_time": 1.5,
        "compiled_code": "select k, sum(value) as total from events group by k"}]}))
    here, apart = profiles.profile_build(tmp_path, "1GB"), profiles.profile_build_apart(tmp_path, "1GB")
    assert [(p["name"], p["build_s"]) for p in apart] == [(p["name"], p["build_s"]) for p in here] == [("totals", 1.5)]
    assert apart[0]["peak_memory_bytes"] > 0
