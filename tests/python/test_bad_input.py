"""Bad input gets a clear outcome: every bad row lands in panel_rejects with its reason and
rows in = kept + rejected; a missing required column fails naming the file and the column."""

from __future__ import annotations

import csv
import json

import duckdb

from conftest import generate_panel

# The accounting test and the accounting table it is checked beside, with all they read.
ACCOUNTING = ("+assert_panel_rows_accounted_for", "+panel_row_accounting")


def _append_rows(path, header, rows):
    with open(path, "a", newline="") as handle:
        # the generator writes "\n" line ends; a file mixing them is not valid CSV for DuckDB
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writerows(rows)


def _first_row(path):
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, next(reader)


def test_injected_bad_rows_land_in_rejects_with_reasons(tmp_path, dbt_project_factory):
    panel = generate_panel(tmp_path / "panel", sessions=20_000)
    header, template = _first_row(panel / "sessions.csv")

    def variant(marker, **changes):
        # a distinct site_session_id keeps each injected row from duplicating another
        return {**template, "site_session_id": str(7_000_000_000_000_000_000 + marker), **changes}

    injected = {
        "duration is below 0": variant(1, duration="-5"),
        "pages_viewed is not an integer": variant(2, pages_viewed="abc"),
        "event_time is not an H:MM:SS time": variant(3, event_time="25:61:00"),
        "machine_id is missing": variant(4, machine_id=""),
        "exact duplicate of an earlier row": variant(5),
    }
    _append_rows(panel / "sessions.csv", header, [*injected.values(), variant(5)])

    tx_header, tx_template = _first_row(panel / "transactions.csv")
    _append_rows(panel / "transactions.csv", tx_header, [{**tx_template, "prod_totprice": "12,50"}])

    project = dbt_project_factory(panel)
    result = project.run("build", "--select", *ACCOUNTING)
    assert result.returncode == 0, result.stdout[-3000:]

    rejects = project.query("select source_table, reject_reason, raw_row from panel_rejects")
    session_rejects = [(reason, json.loads(raw)) for table, reason, raw in rejects if table == "sessions"]
    for reason, row in injected.items():
        matches = [
            found for found, raw in session_rejects
            if raw["site_session_id"] == row["site_session_id"] and found == reason
        ]
        assert matches, f"no reject with reason {reason!r} for the injected row"
    assert any(
        table == "transactions" and "prod_totprice is not a number" in reason for table, reason, _ in rejects
    )

    with open(panel / "sessions.csv") as handle:
        lines_in_file = sum(1 for _ in handle) - 1
    (rows_in, kept, duplicates, invalid), = project.query(
        "select rows_in, rows_kept, rows_duplicate, rows_invalid from panel_row_accounting where source_table = 'sessions'"
    )
    assert rows_in == lines_in_file
    assert rows_in == kept + duplicates + invalid
    assert invalid >= 4 and duplicates >= 1


def test_typed_parquet_bad_rows_land_in_rejects(tmp_path, dbt_project_factory):
    # Parquet arrives typed, so the checks trust the file's types and only the casts can
    # fail: a pages_viewed too large for an integer, a negative duration, a bad time string.
    panel = generate_panel(tmp_path / "panel", sessions=5_000, panel_format="parquet")
    sessions = str(panel / "sessions.parquet")
    injected = {
        "pages_viewed is not an integer": ("pages_viewed", "1099511627776"),
        "duration is below 0": ("duration", "-5"),
        "event_time is not an H:MM:SS time": ("event_time", "'25:61:00'"),
        "machine_id is missing": ("machine_id", "null"),
    }
    variants = " union all ".join(
        f"select * replace ({value} as {column}, {7_000_000_000_000_000_000 + marker}::ubigint as site_session_id) "
        "from first_row"
        for marker, (column, value) in enumerate(injected.values())
    )
    with duckdb.connect() as connection:
        connection.sql(
            f"copy (with raw as (select * replace (pages_viewed::bigint as pages_viewed) from '{sessions}'), "
            f"first_row as (select * from raw limit 1) "
            f"select * from raw union all {variants}) to '{sessions}.tmp' (format parquet)"
        )
    (panel / "sessions.parquet.tmp").replace(sessions)

    project = dbt_project_factory(panel, panel_format="parquet")
    result = project.run("build", "--select", *ACCOUNTING)
    assert result.returncode == 0, result.stdout[-3000:]

    reasons = {reason for table, reason in project.query("select source_table, reject_reason from panel_rejects")
               if table == "sessions" and reason}
    assert set(injected) <= reasons
    (rows_in, kept, duplicates, invalid), = project.query(
        "select rows_in, rows_kept, rows_duplicate, rows_invalid from panel_row_accounting where source_table = 'sessions'"
    )
    assert rows_in == kept + duplicates + invalid
    assert invalid == len(injected)


def test_missing_required_column_fails_naming_file_and_column(tmp_path, dbt_project_factory):
    panel = generate_panel(tmp_path / "panel", sessions=5_000)
    sessions = str(panel / "sessions.csv")
    with duckdb.connect() as connection:
        connection.sql(
            f"copy (select * exclude (pages_viewed) from read_csv('{sessions}', all_varchar = true)) "
            f"to '{sessions}.tmp' (header, delimiter ',')"
        )
    (panel / "sessions.csv.tmp").replace(sessions)

    result = dbt_project_factory(panel).run("run", "--select", "base_comscore__sessions")

    assert result.returncode != 0
    assert "missing required column(s): pages_viewed" in result.stdout
    assert sessions in result.stdout


def test_parquet_panel_without_campaign_file_builds(tmp_path, dbt_project_factory):
    panel = generate_panel(tmp_path / "panel", sessions=5_000, panel_format="parquet")
    (panel / "campaign_exposures.parquet").unlink()

    project = dbt_project_factory(panel, panel_format="parquet")
    result = project.run("build", "--select", *ACCOUNTING)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "No campaign_exposures file" in result.stdout
    assert project.query("select count(*) from stg_comscore__campaign_exposures") == [(0,)]
    (kept,), = project.query("select rows_kept from panel_row_accounting where source_table = 'sessions'")
    assert kept > 0
