"""Bad input gets a clear outcome: typed Parquet bad values land in panel_rejects with their
reason and rows in = kept + rejected; a missing required column fails naming the file and the
column. The CSV row and file defects are the hostile corpus of test_hostile_input.py."""

from __future__ import annotations

from conftest import generate_panel, rewrite_panel_file

# The accounting test and the accounting table it is checked beside, with all they read.
ACCOUNTING = ("+assert_panel_rows_accounted_for", "+panel_row_accounting")


def test_typed_parquet_bad_rows_land_in_rejects(tmp_path, dbt_project_factory):
    # Parquet arrives typed, so the checks trust the file's types and only the casts and the
    # contract's bounds can fail: a pages_viewed too large for an integer, a negative duration,
    # a bad time string, hour 24, a NaN price.
    panel = generate_panel(tmp_path / "panel", sessions=5_000, panel_format="parquet")
    injected = {
        "pages_viewed is out of range for integer": ("pages_viewed", "1099511627776"),
        "duration is below 0": ("duration", "-5"),
        "event_time is not an H:MM:SS time": ("event_time", "'25:61:00'"),
        "event_time is outside 0:00:00-23:59:59": ("event_time", "'24:00:00'"),
        "machine_id is missing": ("machine_id", "null"),
    }
    variants = " union all ".join(
        f"select * replace ({value} as {column}, {7_000_000_000_000_000_000 + marker}::ubigint as site_session_id) "
        "from first_row"
        for marker, (column, value) in enumerate(injected.values())
    )
    rewrite_panel_file(
        panel / "sessions.parquet",
        "with raw as (select * replace (pages_viewed::bigint as pages_viewed) from {file}), "
        f"first_row as (select * from raw limit 1) select * from raw union all {variants}",
    )
    # a DOUBLE NaN price: typed, but not a finite number
    rewrite_panel_file(
        panel / "transactions.parquet",
        "select * from {file} union all (select * replace ('nan'::double as prod_totprice) from {file} limit 1)",
    )

    project = dbt_project_factory(panel, panel_format="parquet")
    result = project.run("build", "--select", *ACCOUNTING)
    assert result.returncode == 0, result.stdout[-3000:]

    rejects = project.query("select source_table, reject_reason from panel_rejects")
    assert set(injected) <= {reason for table, reason in rejects if table == "sessions"}
    assert ("transactions", "prod_totprice is not a finite number") in rejects
    (rows_in, kept, duplicates, invalid), = project.query(
        "select rows_in, rows_kept, rows_duplicate, rows_invalid from panel_row_accounting "
        "where source_table = 'sessions'"
    )
    assert rows_in == kept + duplicates + invalid
    assert invalid == len(injected)


def test_missing_required_column_fails_naming_file_and_column(tmp_path, dbt_project_factory):
    panel = generate_panel(tmp_path / "panel", sessions=5_000)
    sessions = str(panel / "sessions.csv")
    rewrite_panel_file(panel / "sessions.csv",
                       "select * exclude (pages_viewed) from read_csv({file}, all_varchar = true)",
                       options="header, delimiter ','")

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
