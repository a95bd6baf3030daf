"""Daily incremental builds (issue 18, macros/incremental.sql): a panel built for days 1..N-1,
then given day N plus late rows dated inside the lookback (a new visit day and a purchase that
rewrite later days' history, a duplicate of a row on a rebuilt day), and built incrementally,
holds exactly the rows a full build of days 1..N holds - typed panel rows, staging, the
pseudo-session roll-ups, session_features with its history features, user_rfm, rejects and
row accounting. A late row older than the lookback is picked up by var incremental_rebuild_from.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time

import duckdb
import pytest

from conftest import MODELS_AND_SEEDS, DbtProject, generate_panel
from shopper_propensity.sql_literals import sql_literal

SESSIONS = 20_000
LOOKBACK_DAYS = 3  # the default of var incremental_lookback_days
# The smallest selection covering staging, session_features, user_rfm, the orders and the
# rejects and row accounting; the data tests whose parents are all selected run with them.
SELECTION = ("--select", "+session_features", "+user_rfm", "+panel_rejects", "+panel_row_accounting",
             "+int_transactions_grouped_to_orders", "stg_comscore__campaign_exposures",
             "--indirect-selection", "cautious")
COMPARED = (
    "staging.base_comscore__sessions", "staging.base_comscore__transactions",
    "staging.base_comscore__campaign_exposures", "staging.stg_comscore__campaign_exposures",
    "staging.stg_comscore__sessions", "staging.stg_comscore__transactions",
    "intermediate.int_sessions_aggregated_to_pseudo_sessions",
    "intermediate.int_transactions_aggregated_to_pseudo_sessions",
    "intermediate.int_pseudo_sessions_joined", "intermediate.int_transactions_grouped_to_orders",
    "intermediate.int_pseudo_sessions_aggregated_to_user_months",
    "main.session_features", "main.user_rfm", "main.panel_rejects", "main.panel_row_accounting",
)
DATE_COLUMNS = {"sessions": "event_date", "transactions": "event_date", "campaign_exposures": "exposed_date"}


def write_panel(generated, panel, before: dt.date, extra_rows: dict[str, str] | None = None) -> None:
    """The generated panel's rows dated before `before` (one CSV per table, as text), plus
    extra rows per table (a select over {file}, the generated file)."""
    panel.mkdir(exist_ok=True)
    with duckdb.connect() as connection:
        for table, date_column in DATE_COLUMNS.items():
            source = f"read_csv({sql_literal(str(generated / f'{table}.csv'))}, header = true, all_varchar = true)"
            rows = f"select * from {source} where cast({date_column} as date) < {sql_literal(before.isoformat())}"
            extra = (extra_rows or {}).get(table)
            if extra:
                rows += " union all " + extra.replace("{file}", source)
            connection.execute(f"copy ({rows}) to {sql_literal(str(panel / f'{table}.csv'))} (header)")


def late_rows(generated, last_day: dt.date) -> tuple[dict[str, str], tuple[str, str]]:
    """Rows dated last_day - 2 (inside the lookback) arriving with the last day: a visit of a
    user on a domain it did not visit that day, copied from its visit the day after; a purchase
    of that user there that day; and an exact copy of a visit dated that day (a duplicate).
    Returns the rows per table and the user (machine_id, domain_name)."""
    late = sql_literal((last_day - dt.timedelta(days=2)).isoformat())
    day_after = sql_literal((last_day - dt.timedelta(days=1)).isoformat())
    with duckdb.connect() as connection:
        sessions = f"read_csv({sql_literal(str(generated / 'sessions.csv'))}, header = true, all_varchar = true)"
        machine_id, domain_name = connection.execute(f"""
            select machine_id, domain_name from {sessions} as visits
            where event_date = {day_after}
                and not exists (select 1 from {sessions} as earlier
                                where earlier.machine_id = visits.machine_id
                                    and earlier.domain_name = visits.domain_name and earlier.event_date = {late})
                and exists (select 1 from {sessions} as before_it
                            where before_it.machine_id = visits.machine_id
                                and before_it.domain_name = visits.domain_name and before_it.event_date < {late})
            order by machine_id, domain_name
            limit 1
        """).fetchone()
    user = f"machine_id = {sql_literal(machine_id)} and domain_name = {sql_literal(domain_name)}"
    return {
        "sessions": (
            f"(select * replace ({late} as event_date) from {{file}} where {user} and event_date = {day_after}"
            " order by event_time limit 1)"
            f" union all (select * from {{file}} where event_date = {late} order by machine_id, event_time limit 1)"
        ),
        "transactions": (
            f"(select * replace ({sql_literal(machine_id)} as machine_id, {late} as event_date) from {{file}}"
            f" where domain_name = {sql_literal(domain_name)} order by event_date, machine_id, event_time limit 1)"
        ),
    }, (machine_id, domain_name)


def differing_rows(left: DbtProject, right: DbtProject, table: str) -> tuple[int, int, int]:
    """(rows, rows only in left, rows only in right) of a table in two warehouses."""
    with duckdb.connect(str(left.database), read_only=True) as connection:
        connection.execute(f"attach {sql_literal(str(right.database))} as other (read_only)")
        here = f"{left.database.stem}.{table}"
        there = f"other.{table}"
        rows = connection.execute(f"select count(*) from {here}").fetchone()[0]
        only_left = connection.execute(f"select count(*) from (from {here} except all from {there})").fetchone()[0]
        only_right = connection.execute(f"select count(*) from (from {there} except all from {here})").fetchone()[0]
    return rows, only_left, only_right


def timed(project: DbtProject, *args: str) -> float:
    started = time.perf_counter()
    result = project.run(*args)
    assert result.returncode == 0, result.stdout[-4000:]
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def daily_builds(tmp_path_factory):
    work = tmp_path_factory.mktemp("incremental")
    generated = generate_panel(work / "generated", SESSIONS)
    with duckdb.connect() as connection:
        last_day = connection.execute(
            f"select max(cast(event_date as date)) from read_csv({sql_literal(str(generated / 'sessions.csv'))})"
        ).fetchone()[0]
    panel = work / "panel"
    (work / "incremental").mkdir()
    (work / "full").mkdir()
    incremental = DbtProject(work / "incremental", panel)
    full = DbtProject(work / "full", panel)

    write_panel(generated, panel, before=last_day)
    # models and seeds only, but for the incremental run: its data tests check the slice it rebuilt
    first_seconds = timed(incremental, "build", *SELECTION, *MODELS_AND_SEEDS)
    extra_rows, late_user = late_rows(generated, last_day)
    write_panel(generated, panel, before=last_day + dt.timedelta(days=1), extra_rows=extra_rows)
    incremental_seconds = timed(incremental, "build", *SELECTION)
    full_seconds = timed(full, "build", *SELECTION, *MODELS_AND_SEEDS)
    yield {"generated": generated, "panel": panel, "last_day": last_day, "late_user": late_user,
           "incremental": incremental,
           "full": full, "seconds": (first_seconds, incremental_seconds, full_seconds)}
    shutil.rmtree(work, ignore_errors=True)


def test_incremental_build_equals_full_build(daily_builds):
    incremental, full = daily_builds["incremental"], daily_builds["full"]
    slice_start = daily_builds["last_day"] - dt.timedelta(days=1 + LOOKBACK_DAYS)
    # the second build was incremental: each model rebuilt the slice from day N-1 - lookback on
    slices = incremental.query("select model_name, slice_start from incremental_slices")
    assert {name for name, _ in slices} >= {"base_comscore__sessions", "session_features", "int_pseudo_sessions_joined"}
    # (a table by month from the first day of that day's month; the exposures from the newest
    # exposure date of days 1..N-1, which may be earlier: a campaign can end before the panel)
    by_month = {"int_pseudo_sessions_aggregated_to_user_months"}
    own_dates = {"base_comscore__campaign_exposures": "exposed_date"}
    assert {start for name, start in slices if name not in by_month | set(own_dates)} == {slice_start}
    for name, date_column in own_dates.items():
        [(newest,)] = full.query(f"select max({date_column}) from staging.{name} where reject_reason is null "
                                 f"and not is_duplicate and {date_column} < '{daily_builds['last_day']}'")
        assert {start for model, start in slices if model == name} == {newest - dt.timedelta(days=LOOKBACK_DAYS)}
    assert {start for name, start in slices if name in by_month} == {slice_start.replace(day=1)}
    # and its data tests on those tables checked the slice it rebuilt
    predicate = f"event_date >= cast('{slice_start.isoformat()}' as date)"
    # (and those on the staging views, on their base table's slice)
    for tested in ("session_features", "stg_comscore__sessions"):
        compiled_tests = list((incremental.target / "compiled").rglob(f"*_{tested}_*.sql"))
        assert compiled_tests and all(predicate in path.read_text() for path in compiled_tests), tested
    summary = []
    for table in COMPARED:
        rows, only_incremental, only_full = differing_rows(incremental, full, table)
        summary.append(f"{table}: {rows} rows, {only_incremental} only incremental, {only_full} only full")
        assert rows > 0, table
        assert (only_incremental, only_full) == (0, 0), summary[-1]
    first, incremental_seconds, full_seconds = daily_builds["seconds"]
    print(f"\nincremental equivalence ({SESSIONS} sessions, last day {daily_builds['last_day']}, slice from "
          f"{slice_start}): days 1..N-1 built in {first:.1f}s, day N incremental in {incremental_seconds:.1f}s, "
          f"full build of 1..N in {full_seconds:.1f}s (models of the selection; the incremental build with "
          "its tests)\n  "
          + "\n  ".join(summary))


def served_session_features(project: DbtProject) -> dict:
    manifest = json.loads((project.exports / "current" / "manifest.json").read_text())
    return next(mart for mart in manifest["marts"] if mart["name"] == "session_features")


def test_the_daily_export_writes_only_the_months_that_changed(daily_builds):
    incremental, full = daily_builds["incremental"], daily_builds["full"]
    slice_start = daily_builds["last_day"] - dt.timedelta(days=1 + LOOKBACK_DAYS)
    served = served_session_features(incremental)
    assert served["file"] == "session_features/*.parquet"
    written = sorted(entry["file"] for entry in served["files"] if not entry["kept"])
    kept = [entry["file"] for entry in served["files"] if entry["kept"]]
    # the month of the new day was written again; months before the slice's were linked
    assert f"session_features/{daily_builds['last_day']:%Y-%m}.parquet" in written
    assert all(file >= f"session_features/{slice_start:%Y-%m}" for file in written), written
    assert len(kept) >= 6
    assert all((incremental.exports / "current" / file).stat().st_nlink == 2 for file in kept)
    # the served parts hold the warehouse's rows, and each is byte for byte the file a full build writes
    parts = str(incremental.exports / "current" / served["file"])
    with duckdb.connect(str(incremental.database), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from ((from main.session_features except all from read_parquet(?)) "
            "union all (from read_parquet(?) except all from main.session_features))", [parts, parts]
        ).fetchone() == (0,)
    digests = {entry["file"]: entry["sha256"] for entry in served["files"]}
    assert digests == {entry["file"]: entry["sha256"] for entry in served_session_features(full)["files"]}


def test_late_rows_inside_the_lookback_are_picked_up(daily_builds):
    incremental = daily_builds["incremental"]
    late = daily_builds["last_day"] - dt.timedelta(days=2)
    # the late duplicate is accounted for as a duplicate, the late visit and purchase are kept
    duplicates = incremental.query(
        f"select count(*) from panel_rejects where is_duplicate and source_table = 'sessions'"
        f" and json_extract_string(raw_row, '$.event_date') = {sql_literal(late.isoformat())}"
    )[0][0]
    assert duplicates >= 1
    unaccounted = incremental.query(
        "select rows_in - rows_kept - rows_duplicate - rows_invalid from panel_row_accounting"
    )
    assert {row[0] for row in unaccounted} == {0}
    # the late visit and purchase day are in, and rewrite the history of the user's next day
    machine_id, domain_name = daily_builds["late_user"]
    days = incremental.query(
        f"select event_date, converted, prior_session_days, days_since_last_purchase from session_features"
        f" where machine_id = {machine_id} and domain_name = {sql_literal(domain_name)}"
        f" and event_date >= {sql_literal(late.isoformat())} order by event_date limit 2"
    )
    (late_date, late_converted, late_prior_days, _), (next_date, _, next_prior_days, next_since_purchase) = days
    assert (late_date, late_converted) == (late, True)
    assert next_date == late + dt.timedelta(days=1)
    assert (next_prior_days, next_since_purchase) == (late_prior_days + 1, 1)


def test_rebuild_from_picks_up_rows_older_than_the_lookback(daily_builds):
    """A visit dated 10 days before the last day arrives late: an incremental run does not see
    it (the README says so); with var incremental_rebuild_from it equals a --full-refresh."""
    generated, panel, last_day = daily_builds["generated"], daily_builds["panel"], daily_builds["last_day"]
    incremental, full = daily_builds["incremental"], daily_builds["full"]
    old_day = sql_literal((last_day - dt.timedelta(days=10)).isoformat())
    extra, _ = late_rows(generated, last_day)
    extra["sessions"] += (f" union all (select * replace ({old_day} as event_date, '1' as pages_viewed) from {{file}}"
                          f" where event_date = {sql_literal(last_day.isoformat())} order by machine_id limit 1)")
    write_panel(generated, panel, before=last_day + dt.timedelta(days=1), extra_rows=extra)

    timed(incremental, "run", *SELECTION)
    rows_in = "select rows_in from panel_row_accounting where source_table = 'sessions'"
    assert incremental.query(rows_in) == [(full.query(rows_in)[0][0],)]
    # which the accounting test, counting the files' rows, does not let pass
    missed = incremental.run("test", "--select", "assert_panel_rows_accounted_for")
    assert missed.returncode != 0
    assert "Failure in test assert_panel_rows_accounted_for" in missed.stdout

    timed(incremental, "run", *SELECTION, "--vars", f"{{incremental_rebuild_from: {old_day}}}")
    timed(full, "run", *SELECTION, "--full-refresh")
    assert full.query(rows_in)[0][0] == incremental.query(rows_in)[0][0]
    for table in COMPARED:
        rows, only_incremental, only_full = differing_rows(incremental, full, table)
        assert (only_incremental, only_full) == (0, 0), f"{table}: {rows} rows"
