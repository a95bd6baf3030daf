"""The generator writes the input contract the sources YAML declares: same tables, same columns
in the same order, each with the type the contract says an export holds; and the sources'
freshness reads the export's event dates."""

from __future__ import annotations

import json

import duckdb
import yaml

from conftest import REPO_ROOT
from shopper_propensity.panel import SCHEMAS

SOURCES_YAMLS = (
    REPO_ROOT / "models/staging/comscore/_comscore__sources.yml",
    REPO_ROOT / "models/staging/panel_truth/_panel_truth__sources.yml",
)
CHECKS = {"integer", "unsigned", "number", "date", "hms_time", "text"}
# The form of a file's column each check reads natively (anything else is judged as text).
FILE_TYPE_OF_CHECK = {"integer": {"BIGINT", "INTEGER"}, "unsigned": {"UBIGINT"}, "number": {"DOUBLE"},
                      "date": {"DATE"}, "hms_time": {"VARCHAR"}, "text": {"VARCHAR"}}


def contract_tables() -> dict[str, list[dict]]:
    """{table path as the generator names it: its columns} for every source table of the YAMLs."""
    tables = {}
    for path in SOURCES_YAMLS:
        for source in yaml.safe_load(path.read_text())["sources"]:
            prefix = "truth/" if source["name"] == "panel_truth" else ""
            for table in source["tables"]:
                tables[prefix + table["name"]] = table["columns"]
    return tables


def test_generator_schemas_match_the_sources_contract():
    contract = {name: tuple((column["name"], column["data_type"].upper()) for column in columns)
                for name, columns in contract_tables().items()}
    # user types and repeat behaviour are evaluation truth that no model reads (the tests do), so no source
    unread = ("truth/user_types", "truth/repeat_behaviour")
    generated = {name: schema for name, schema in SCHEMAS.items() if name not in unread}
    assert contract == generated


def test_every_comscore_column_says_how_it_is_checked():
    for name, columns in contract_tables().items():
        if name.startswith("truth/"):
            continue
        for column in columns:
            meta = column["config"]["meta"]
            where = f"{name}.{column['name']}"
            assert meta["check"] in CHECKS, where
            assert column["data_type"].upper() in FILE_TYPE_OF_CHECK[meta["check"]], where


def test_the_sources_read_the_files_the_panel_checks_name(clean_build):
    """The sources YAMLs cannot call macros, so they render the folder and file rule of
    macros/panel_files.sql themselves: every row must come from <panel_dir>/<table>.<format>,
    which source_file shows relative to the folder the macro names."""
    _, project = clean_build
    read_from = project.query(
        "select source_table, source_file from base_comscore__sessions"
        " union select source_table, source_file from base_comscore__transactions"
        " union select source_table, source_file from base_comscore__campaign_exposures order by 1"
    )
    assert read_from == [(name, f"{name}.csv") for name in ("campaign_exposures", "sessions", "transactions")]


def test_source_freshness_is_the_newest_event_date_of_the_export(clean_build):
    """`dbt source freshness` measures how far the newest event date is behind today: the
    generated panel ends on 2023-12-31, far past error_after."""
    panel, project = clean_build
    result = project.run("source", "freshness")
    assert result.returncode != 0  # stale: the panel stopped in 2023
    checked = json.loads((project.target / "sources.json").read_text())["results"]
    assert {row["unique_id"].split(".")[-1]: (row["status"], row["max_loaded_at"][:10]) for row in checked} == {
        table: ("error", newest_event_date(panel / f"{table}.csv")) for table in ("sessions", "transactions")
    }


def newest_event_date(path) -> str:
    with duckdb.connect() as connection:
        (newest,) = connection.execute(
            "select max(cast(event_date as date))::varchar from read_csv(?, header = true, all_varchar = true)",
            [str(path)],
        ).fetchone()
    return newest
