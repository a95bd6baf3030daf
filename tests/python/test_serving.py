"""Lock-free serving (issue 16): readers that hold the serving file open, or read a Parquet
export in a loop, through a whole `dbt build` that rewrites every served mart: the build
passes, every read succeeds and shows each file of one complete build - the previous one, then
the new one, never a third state or back - and after the build the reader holding the file sees
the new build's data."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import sqlalchemy

import hostile_panels as hostile
from conftest import MODELS_AND_SEEDS, DbtProject, generate_panel, served_marts
from shopper_propensity.serving import SERVING_FILE

# A reader process: one read-only connection to the serving file held from start to end, opened
# as Superset opens it (SQLAlchemy, duckdb-engine, connect_args read_only), or a fresh read of
# the Parquet file each time. It prints one JSON line per read until the stop file appears,
# then reads once more (after the build ended) and stops.
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb
import sqlalchemy

mode, target, stop = sys.argv[1:4]
if mode == "serving":
    engine = sqlalchemy.create_engine(f"duckdb:///{target}", connect_args={"read_only": True})
    held = engine.connect()
else:
    held = None
print(json.dumps({"ready": True}), flush=True)
while True:
    last = Path(stop).exists()
    try:
        if held is not None:
            # each view reads its own file under current/: a switch may fall between two of them,
            # even within one statement, so each is checked on its own (user_rfm is one file;
            # session_features and session_scores, served by month, are several)
            (build,) = held.execute(sqlalchemy.text("select build_id from served_build")).one()
            (rows,) = held.execute(sqlalchemy.text("select count(*) from user_rfm")).one()
        else:
            build = None
            (rows,) = duckdb.execute("select count(*) from read_parquet(?)", [target]).fetchone()
        print(json.dumps({"build": build, "rows": rows, "at": time.time()}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}", "at": time.time()}), flush=True)
    if last:
        break
    time.sleep(0.05)
"""


def _start_reader(mode: str, target, stop) -> subprocess.Popen:
    reader = subprocess.Popen([sys.executable, "-c", READER, mode, str(target), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(reader.stdout.readline()) == {"ready": True}, reader.stderr.read()
    return reader


def _readings(reader: subprocess.Popen) -> list[dict]:
    output, errors = reader.communicate(timeout=60)
    assert reader.returncode == 0, errors
    return [json.loads(line) for line in output.splitlines()]


def _published(project: DbtProject) -> tuple[str, int]:
    """The current build's id and user_rfm rows, from the manifest of current/."""
    published = json.loads((project.exports / "current" / "manifest.json").read_text())
    rows = next(mart["rows"] for mart in published["marts"] if mart["name"] == "user_rfm")
    return published["build_id"], rows


def test_readers_never_block_a_build_and_always_see_one_complete_build(tmp_path):
    panel = generate_panel(tmp_path / "panel", sessions=5_000, seed=23)
    project = DbtProject(tmp_path, panel)
    first = project.run("build", *MODELS_AND_SEEDS)
    assert first.returncode == 0, first.stdout[-3000:]
    old_build, old_rows = _published(project)
    # the next build's marts all differ (the panel's history changed: a --full-refresh build)
    hostile.drop_every_other_session(panel)

    stop = tmp_path / "stop"
    serving_reader = _start_reader("serving", project.exports / SERVING_FILE, stop)
    parquet_reader = _start_reader("parquet", project.exports / "current" / "user_rfm.parquet", stop)
    started = time.time()
    try:
        build = project.run("build", "--full-refresh")  # every model, seed, unit and data test
    finally:
        ended = time.time()
        stop.touch()
        held, looped = _readings(serving_reader), _readings(parquet_reader)

    assert build.returncode == 0, build.stdout[-3000:]
    new_build, new_rows = _published(project)
    assert new_build != old_build and new_rows != old_rows
    assert project.query("select count(*) from user_rfm") == [(new_rows,)]

    for name, readings, old, new in (("serving file", held, (old_build, old_rows), (new_build, new_rows)),
                                     ("parquet", looped, (None, old_rows), (None, new_rows))):
        errors = [reading["error"] for reading in readings if "error" in reading]
        assert errors == [], f"{name} reader: {errors[:3]}"
        during = [reading for reading in readings if reading["at"] < ended]
        assert len(during) >= 20, f"{name} reader read only {len(during)} times during the build"
        # of each file (the build's id, the mart's rows): the previous build, then the new one,
        # each whole - never a third state, never back - and after the build, the new one
        for position, field in enumerate(("build", "rows")):
            seen = [reading[field] for reading in readings]
            assert set(seen) <= {old[position], new[position]}, f"{name} reader saw {field} {set(seen)}"
            switched = seen.index(new[position]) if new[position] in seen else len(seen)
            assert set(seen[switched:]) == {new[position]}, f"{name} reader went back to the old {field}"
        print(f"{name} reader: {len(readings)} reads ({len(during)} during the {ended - started:.0f} s build), "
              f"0 errors; switched to {new} at read {switched + 1}")

    # a build in which a model fails publishes nothing: readers stay on the last complete build
    with duckdb.connect(str(project.database)) as connection:
        # a copy of a model where it was built before the schemas by layer, and a table dbt does not own
        connection.execute("create table main.int_pseudo_sessions_joined as select 1 as stale")
        connection.execute("create table main.analyst_notes as select 'keep me' as note")
    failed = project.run("run", "--select", "base_comscore__transactions", "--vars", "{panel_max_amount_usd: abc}")
    assert failed.returncode != 0
    assert "Exports not published: 1 node(s) failed" in failed.stdout
    assert _published(project) == (new_build, new_rows)
    # before any model ran, the stale copy was dropped; the other table was left alone
    assert project.query("select schema_name, table_name from duckdb_tables() where table_name in "
                         "('int_pseudo_sessions_joined', 'analyst_notes') order by 1") == [
        ("intermediate", "int_pseudo_sessions_joined"), ("main", "analyst_notes")]


def test_a_bi_tool_lists_and_reads_every_mart_with_its_docs_read_only(manifest, clean_build):
    """What Superset does with the serving file (SQLAlchemy URI duckdb:///<exports>/serving.duckdb,
    engine parameters {"connect_args": {"read_only": true}}): list the marts, reflect their
    columns with the YAML descriptions, query one."""
    _, project = clean_build
    marts = served_marts(manifest)
    engine = sqlalchemy.create_engine(f"duckdb:///{project.exports / SERVING_FILE}",
                                      connect_args={"read_only": True})
    try:
        inspector = sqlalchemy.inspect(engine)
        assert set(inspector.get_view_names()) == set(marts) | {"served_build"}
        columns = {column["name"]: column for column in inspector.get_columns("domain_summary")}
        assert list(columns) == list(marts["domain_summary"]["columns"])
        assert columns["users"]["comment"] == marts["domain_summary"]["columns"]["users"]["description"].strip()
        assert str(columns["revenue_usd"]["type"]) == "NUMERIC(18, 2)"  # SQLAlchemy's name for DECIMAL(18,2)
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text("select domain_name, sessions from domain_summary order by 1"))
            served = [tuple(row) for row in rows]
        assert project.query("select domain_name, sessions from domain_summary order by 1") == served
    finally:
        engine.dispose()
