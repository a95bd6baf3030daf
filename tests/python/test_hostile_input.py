"""Issue 13's hostile-input corpus (tests/python/hostile_panels.py), each case with its outcome:
the row set aside with its reason and no mart changed, a failure before any model naming the
file and the problem, or every row kept with the accounting exact. Also: reruns are
byte-identical, the panel folder and the vars are never SQL, and a killed build is flagged."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest

import hostile_panels as hostile
from conftest import MODELS_AND_SEEDS, DbtProject, generate_panel, rewrite_panel_file
from shopper_propensity.sql_literals import sql_literal

# The tables that hold or count the raw rows themselves: the only ones a rejected row may change.
RAW_ROW_TABLES = {
    "base_comscore__sessions", "base_comscore__transactions", "base_comscore__campaign_exposures",
    "panel_rejects", "panel_row_accounting", "panel_reject_reasons",
}
ACCOUNTING = ("+assert_panel_rows_accounted_for", "+panel_row_accounting", "+panel_rejects")


def accounting(project: DbtProject) -> dict[str, tuple[int, int, int, int]]:
    """{table: (rows in, kept, duplicates, invalid)} from panel_row_accounting."""
    rows = project.query(
        "select source_table, rows_in, rows_kept, rows_duplicate, rows_invalid from panel_row_accounting"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def rows_only_in_one(first: DbtProject, second: DbtProject, select: str) -> int:
    """Rows of `select` (over a staging table `{t}<name>`) found in one warehouse and not the
    other, either way."""
    with duckdb.connect() as connection:
        connection.execute(f"attach {sql_literal(str(first.database))} as first_db (read_only)")
        connection.execute(f"attach {sql_literal(str(second.database))} as second_db (read_only)")
        one, two = (select.replace("{t}", f"{db}.staging.") for db in ("first_db", "second_db"))
        (count,) = connection.execute(
            f"select count(*) from (({one}) except all ({two}) union all (({two}) except all ({one})))"
        ).fetchone()
    return count


def published_digests(project: DbtProject) -> dict[str, str]:
    """{file: SHA-256} of every Parquet file (a mart, or a month of one) of the build the
    exports currently serve."""
    published = json.loads((project.exports / "current" / "manifest.json").read_text())
    return {entry["file"]: entry["sha256"] for mart in published["marts"] for entry in mart["files"]}


def differing_tables(first: dict[str, str], second: dict[str, str]) -> set[str]:
    return {table for table in first.keys() | second.keys() if first.get(table) != second.get(table)}


def test_every_hostile_row_is_set_aside_with_its_reason_and_no_mart_changes(clean_build, tmp_path):
    clean_panel, clean = clean_build
    panel = tmp_path / hostile.HOSTILE_FOLDER_NAME  # the build also proves the folder is never SQL
    written = hostile.write_row_corpus(clean_panel, panel)
    project = DbtProject(tmp_path, panel)

    result = project.run("build")  # every model and every data test, on the hostile panel

    assert result.returncode == 0, result.stdout[-3000:]
    rejects = project.query("select source_table, reject_reason, raw_row from panel_rejects")
    found = Counter((table, reason) for table, reason, _ in rejects)
    clean_rejects = clean.query("select source_table, reject_reason from panel_rejects")
    before = Counter((table, reason) for table, reason in clean_rejects)
    for table, cases in written.items():
        for reason, count in Counter(case.reason for case, _ in cases).items():
            assert found[(table, reason)] - before[(table, reason)] == count, (table, reason)
    assert sum(found.values()) - sum(before.values()) == sum(len(cases) for cases in written.values())

    clean_counts = accounting(clean)
    for table, (rows_in, kept, duplicates, invalid) in accounting(project).items():
        cases = [case for case, _ in written.get(table, [])]
        clean_in, clean_kept, clean_duplicates, clean_invalid = clean_counts[table]
        assert rows_in == clean_in + len(cases) == kept + duplicates + invalid
        assert kept == clean_kept
        assert duplicates == clean_duplicates + sum(case.is_duplicate for case in cases)
        assert invalid == clean_invalid + sum(not case.is_duplicate for case in cases)

    for _, _, raw_row in rejects:
        row = json.loads(raw_row)
        assert row.get("racial_background") in (None, "<masked>") and row.get("zip_code") in (None, "<masked>")

    assert differing_tables(clean.fingerprints(), project.fingerprints()) <= RAW_ROW_TABLES
    assert not project.query("select table_name from duckdb_tables() where table_name = 'injected'")
    # rows of unlisted domains are rejected, and the build log says so
    assert "Warning in test warn_panel_rows_of_unlisted_domains" in result.stdout


def test_reruns_are_byte_identical_and_a_killed_build_is_flagged(clean_build, tmp_path):
    clean_panel, first = clean_build
    # the same rows in another order, in another folder: stronger than the same files twice
    panel = hostile.copy_panel(clean_panel, tmp_path / "shuffled")
    hostile.shuffle_rows(panel)
    second = DbtProject(tmp_path, panel)
    result = second.run("build", *MODELS_AND_SEEDS)
    assert result.returncode == 0, result.stdout[-3000:]

    built = second.fingerprints()
    assert len(built) > 40
    assert differing_tables(first.fingerprints(), built) == set()
    # and the served exports are the same bytes
    assert published_digests(first) == published_digests(second)

    # A rebuild on a changed panel (its history changed: --full-refresh, README "Daily builds"),
    # killed once its first tables are written.
    hostile.drop_every_other_session(panel)
    build = second.start("build", *MODELS_AND_SEEDS, "--full-refresh")
    with build.stdout:
        for line in build.stdout:
            if "OK created sql incremental model staging.base_comscore__sessions" in line:
                build.terminate()
                break
    build.wait(timeout=120)
    assert build.returncode != 0, "the build finished before it could be killed"

    after = second.fingerprints()  # every table still reads
    changed = differing_tables(built, after)
    assert "base_comscore__sessions" in changed  # the new run's
    assert set(built) - changed  # and tables of the old run beside them
    statuses = [status for (status,) in second.query("select status from warehouse_builds order by started_at")]
    assert statuses == ["success", "started"]  # which the build log says: the last build never finished


def test_bom_crlf_reordered_columns_semicolons_and_quoted_newlines_read_like_the_clean_file(clean_build, tmp_path):
    clean_panel, clean = clean_build
    transactions_written = hostile.write_format_variants(clean_panel, tmp_path / "formats")
    project = DbtProject(tmp_path, tmp_path / "formats")

    result = project.run("build", "--select", *ACCOUNTING)

    assert result.returncode == 0, result.stdout[-3000:]
    counts, clean_counts = accounting(project), accounting(clean)
    assert counts["sessions"] == clean_counts["sessions"]
    rows_in, kept, duplicates, invalid = counts["transactions"]
    assert rows_in == transactions_written == clean_counts["transactions"][0] + 1
    assert (kept, invalid) == (clean_counts["transactions"][1] + 1, 0)
    # every value typed as from the clean files (raw_row keeps the raw text, which differs)
    assert rows_only_in_one(clean, project, "select * exclude (raw_row) from {t}base_comscore__sessions") == 0
    assert rows_only_in_one(
        clean, project,
        "select * exclude (raw_row) from {t}base_comscore__transactions where site_session_id != 7000000000000000999",
    ) == 0
    assert project.query(
        "select prod_name from base_comscore__transactions where site_session_id = 7000000000000000999"
    ) == [(hostile.QUOTED_NEWLINE_PRODUCT,)]


def _zero_byte_header_only_short_row(panel):
    hostile.make_zero_byte(panel / "sessions.csv")
    hostile.make_header_only(panel / "transactions.csv")
    hostile.insert_short_row(panel / "campaign_exposures.csv", line_number=6)
    return [
        "sessions.csv (source comscore.sessions) is empty (0 bytes)",
        "transactions.csv (source comscore.transactions) has no data rows (a header only)",
        "campaign_exposures.csv (source comscore.campaign_exposures) has a short row at line 6: "
        "Expected Number of Columns: 5 Found: 2",
    ]


def _missing_file_and_latin1(panel):
    (panel / "sessions.csv").unlink()
    hostile.insert_latin1_row(panel / "transactions.csv", line_number=3)
    return [
        "sessions.csv (source comscore.sessions) does not exist",
        "transactions.csv (source comscore.transactions) has bytes that are not UTF-8 (save the file as UTF-8) "
        "at line 3",
    ]


def _parquet_zero_byte_and_no_rows(panel):
    hostile.make_zero_byte(panel / "sessions.parquet")
    rewrite_panel_file(panel / "transactions.parquet", "select * from read_parquet({file}) limit 0")
    return [
        "sessions.parquet (source comscore.sessions) is empty (0 bytes)",
        "transactions.parquet (source comscore.transactions) has no data rows",
    ]


@pytest.mark.parametrize("panel_format, break_files", [
    ("csv", _zero_byte_header_only_short_row),
    ("csv", _missing_file_and_latin1),
    ("parquet", _parquet_zero_byte_and_no_rows),
], ids=["zero-byte, header-only, short row", "missing file, latin-1", "parquet zero-byte, no rows"])
def test_unreadable_files_stop_the_build_before_any_model_naming_file_and_problem(tmp_path, panel_format, break_files):
    panel = generate_panel(tmp_path / "panel", sessions=1_000, panel_format=panel_format)
    problems = break_files(panel)
    project = DbtProject(tmp_path, panel, panel_format)

    result = project.run("build")

    assert result.returncode != 0
    assert "The panel cannot be read; no model has run" in result.stdout
    for problem in problems:
        assert f"{panel}/{problem}" in result.stdout, problem
    assert project.query("select count(*) from duckdb_tables()") == [(0,)]


def test_vars_with_quotes_are_literals(clean_build, tmp_path):
    clean_panel, _ = clean_build
    panel = hostile.copy_panel(clean_panel, tmp_path / "panel")
    domain = "o'hara.com"
    header, rows = hostile.read_rows(panel / "sessions.csv")
    moved = [hostile.csv_line(header, {**row, "domain_name": domain}) for row in rows[:50]]
    with open(panel / "sessions.csv", "a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in moved))
    panel_domains = ["amazon.com", "ebay.com", "walmart.com", "etsy.com", "target.com", domain]
    settings = {"panel_domains": panel_domains, "primary_domain": domain, "campaign_domain": domain,
                "segment_domains": domain, "snapshot_date": "2024-01-01", "campaign_test_from": "2023-01-01"}
    project = DbtProject(tmp_path, panel)

    # unit tests are excluded: their fixtures are written for the default domains
    result = project.run("build", "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious",
                         "--vars", json.dumps(settings), "--select",
                         "+session_features", "+domain_summary", "+user_rfm", "+int_campaign_exposures_featurized")

    assert result.returncode == 0, result.stdout[-3000:]
    primary = project.query("select distinct domain_name from session_features where is_primary_domain")
    assert primary == [(domain,)]
    assert project.query("select is_primary_domain from domain_summary where domain_name = 'o''hara.com'") == [(True,)]
    assert project.query("select distinct snapshot_date::varchar from user_rfm") == [("2024-01-01",)]


def test_python_stages_name_the_empty_upstream_table(tmp_path):
    panel = generate_panel(tmp_path / "panel", sessions=1_000)
    project = DbtProject(tmp_path, panel)
    # a date window no row falls in: every row is rejected, every SQL model builds empty
    window = json.dumps({"panel_min_date": "2030-01-01", "panel_max_date": "2030-12-31"})

    result = project.run("build", *MODELS_AND_SEEDS, "--vars", window,
                         "--select", "+segment_k_selection", "+propensity_model_registry")

    assert result.returncode != 0
    assert "upstream table user_rfm has no rows" in result.stdout
    assert "upstream table session_features has no rows" in result.stdout
    assert "Found array with 0 sample" not in result.stdout
