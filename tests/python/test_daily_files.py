"""Daily arrivals (issue 18): the generator writes a panel as one file per table and date (the
daily and hive layouts), a window of dates at a time, byte-identical however the dates are
split; the sources read every layout into the same rows; a bad file among many is named."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import DbtProject, generate_panel
from shopper_propensity import panel
from shopper_propensity.panel.contract import PARTITION_COLUMNS, SCHEMAS

SESSIONS = 20_000
SEED = 11
# Three months of the short panel (it starts on 2023-03-01, campaigns on 2023-03-13): 92 files
# a table keep the builds small (the file count, not the rows, drives a build's time here).
SCENARIO = "short_panel"
THROUGH = "2023-05-31"
STAGING = ("stg_comscore__sessions", "stg_comscore__transactions", "stg_comscore__campaign_exposures")
# The staging models, the rejects and the row accounting, and the test that counts the rows of
# the source files themselves (without the other tests of the models built).
ACCOUNTING_BUILD = ("build", "--select", "+panel_row_accounting", "+assert_panel_rows_accounted_for", *STAGING,
                    "--indirect-selection", "empty")


def panel_files(folder: Path) -> dict[str, bytes]:
    """{path relative to the folder: bytes} of every file under it."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize(("layout", "panel_format"), [("daily", "csv"), ("hive", "parquet")])
def test_appended_dates_are_byte_identical_to_dates_written_at_once(tmp_path, capsys, layout, panel_format):
    options = ["--sessions", "5000", "--seed", str(SEED), "--format", panel_format, "--layout", layout]
    panel.main([*options, "--out", str(tmp_path / "at_once"), "--through", "2020-01-10"])
    panel.main([*options, "--out", str(tmp_path / "by_day"), "--through", "2020-01-07"])
    panel.main(["--out", str(tmp_path / "by_day"), "--append-days", "2"])
    panel.main(["--out", str(tmp_path / "by_day"), "--append-days", "1", "--seed", str(SEED)])
    capsys.readouterr()

    at_once, by_day = panel_files(tmp_path / "at_once"), panel_files(tmp_path / "by_day")
    assert at_once == by_day
    dates = sorted(name for name in at_once if name.startswith("sessions/"))
    assert len(dates) == 10
    assert dates[-1] == ("sessions/sessions_2020-01-10.csv" if layout == "daily"
                         else "sessions/event_date=2020-01-10/sessions_2020-01-10.parquet")
    # a date without rows still has its file: a header only (or a Parquet file of no rows)
    assert len([name for name in at_once if name.startswith("campaign_exposures/")]) == 10


def test_appending_keeps_the_panels_parameters(tmp_path, capsys):
    out = tmp_path / "panel"
    panel.main(["--sessions", "5000", "--layout", "daily", "--out", str(out), "--through", "2020-01-03"])
    with pytest.raises(SystemExit):
        panel.main(["--out", str(out), "--append-days", "1", "--seed", "8"])
    assert "--seed 8 (the panel's: 7)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        panel.main(["--out", str(tmp_path / "elsewhere"), "--append-days", "1"])
    assert "generator.json not found" in capsys.readouterr().err


def test_date_files_hold_the_rows_of_the_single_file(tmp_path):
    """Split by date and read back (the hive date from its folder), the files are the single
    layout's rows through the same date, and --through cuts the single layout too."""
    single = generate_panel(tmp_path / "single", 5_000, SEED, "parquet", SCENARIO, "--through", "2023-04-15")
    hive = generate_panel(tmp_path / "hive", 5_000, SEED, "parquet", SCENARIO, "--layout", "hive",
                          "--through", "2023-04-15")
    with duckdb.connect() as connection:
        for name, column in PARTITION_COLUMNS.items():
            newest, rows = connection.execute(
                f"select max({column})::varchar, count(*) from '{single}/{name}.parquet'").fetchall()[0]
            assert newest <= "2023-04-15" and rows > 0
            columns = ", ".join(column for column, _ in SCHEMAS[name])
            single_rows = f"select {columns} from '{single}/{name}.parquet'"
            date_rows = f"select {columns} from read_parquet('{hive}/{name}/**/*.parquet', hive_partitioning = true)"
            assert connection.sql(f"({single_rows} except all {date_rows}) union all "
                                  f"({date_rows} except all {single_rows})").fetchall() == []


@pytest.fixture(scope="module")
def single_build(tmp_path_factory) -> DbtProject:
    """The single CSV layout of the panel, built: what every other layout must give."""
    work = tmp_path_factory.mktemp("single_build")
    project = DbtProject(work, generate_panel(work / "panel", SESSIONS, SEED, "csv", SCENARIO, "--through", THROUGH))
    result = project.run(*ACCOUNTING_BUILD)
    assert result.returncode == 0, result.stdout[-3000:]
    return project


def staged_rows(project: DbtProject) -> dict[str, list[tuple]]:
    """Every staging row (less its file), every reject's table and reason, and the accounting."""
    rows = {model: project.query(f"select * exclude (source_file) from {model} order by all") for model in STAGING}
    rows["panel_rejects"] = project.query(
        "select source_table, reject_reason, is_duplicate from panel_rejects order by all")
    rows["panel_row_accounting"] = project.query("select * from panel_row_accounting order by all")
    return rows


@pytest.mark.parametrize(("layout", "panel_format"),
                         [("daily", "csv"), ("hive", "csv"), ("daily", "parquet"), ("hive", "parquet")])
def test_every_layout_builds_the_same_rows(single_build, tmp_path, layout, panel_format):
    panel_dir = generate_panel(tmp_path / "panel", SESSIONS, SEED, panel_format, SCENARIO, "--layout", layout,
                               "--through", THROUGH)
    bad_file = panel_dir / "sessions" / "sessions_2023-04-03.csv"
    if (layout, panel_format) == ("daily", "csv"):  # one bad row among the daily files
        first_row = bad_file.read_text().splitlines()[1].split(",")
        first_row[6] = "-5"  # duration
        bad_file.write_text(bad_file.read_text() + ",".join(first_row) + "\n")
    project = DbtProject(tmp_path, panel_dir, panel_format, layout)
    result = project.run(*ACCOUNTING_BUILD)
    assert result.returncode == 0, result.stdout[-3000:]

    expected, built = staged_rows(single_build), staged_rows(project)
    assert all(expected[model] for model in STAGING)  # every table has rows in the window
    if (layout, panel_format) == ("daily", "csv"):
        assert project.query("select source_file, reject_reason from panel_rejects where not is_duplicate") == [
            ("sessions/sessions_2023-04-03.csv", "duration is below 0")]
        built["panel_rejects"].remove(("sessions", "duration is below 0", False))
        built["panel_row_accounting"] = [
            (table, rows_in - 1, kept, duplicate, invalid - 1, *rest) if table == "sessions" else
            (table, rows_in, kept, duplicate, invalid, *rest)
            for table, rows_in, kept, duplicate, invalid, *rest in built["panel_row_accounting"]]
    assert built == expected
    # every row comes from its date's file: the file the generator wrote, as the sources read it
    for model, (name, column) in zip(STAGING, PARTITION_COLUMNS.items(), strict=True):
        folder = f"{column}=(\\d{{4}}-\\d{{2}}-\\d{{2}})/" if layout == "hive" else ""
        pattern = re.compile(f"{name}/{folder}{name}_(\\d{{4}}-\\d{{2}}-\\d{{2}})\\.{panel_format}")
        for source_file, date in project.query(f"select distinct source_file, {column}::varchar from {model}"):
            assert (match := pattern.fullmatch(source_file)), source_file
            assert set(match.groups()) == {date}


def test_a_bad_file_among_daily_files_is_named(tmp_path, dbt_project_factory):
    panel_dir = generate_panel(tmp_path / "panel", 5_000, SEED, "csv", SCENARIO, "--layout", "daily",
                               "--through", "2023-03-31")
    empty = panel_dir / "sessions" / "sessions_2023-03-07.csv"
    empty.write_bytes(b"")
    short = panel_dir / "transactions" / "transactions_2023-03-20.csv"
    short.write_text(short.read_text() + "10000001,0,3\n")
    latin1 = panel_dir / "campaign_exposures" / "campaign_exposures_2023-03-09.csv"
    latin1.write_bytes(latin1.read_bytes() + b"10000001,C2023_03,2023-03-09,caf\xe9,\n")
    project = dbt_project_factory(panel_dir, panel_layout="daily")

    result = project.run("run", "--select", "base_comscore__sessions")
    assert result.returncode != 0
    assert "The panel cannot be read; no model has run" in result.stdout
    assert f"Panel files {panel_dir}/sessions/*.csv (source comscore.sessions) has 1 empty file(s) (0 bytes): {empty}" \
        in result.stdout
    assert re.search(f"has a short row at line [0-9]+ of {re.escape(str(short))}: Expected", result.stdout)
    assert f"has bytes that are not UTF-8 (save the file as UTF-8) at line 2 of {latin1}" in result.stdout

    # a file without a column the others have: DuckDB's reader names it
    empty.write_text("machine_id,event_date\n10000001,2023-03-07\n")
    short.write_text(short.read_text().rsplit("10000001,0,3", 1)[0])
    latin1.write_bytes(latin1.read_bytes().rsplit(b"10000001", 1)[0])
    result = project.run("run", "--select", "base_comscore__sessions")
    assert result.returncode != 0
    assert f'could not be found in file "{empty}"' in result.stdout
