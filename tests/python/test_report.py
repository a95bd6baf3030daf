"""The report's parts without a browser: figure declarations (exposures) against drawing code,
the one data-access function, and the 'no data' outcome of a missing or empty mart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from shopper_propensity.report import figures
from shopper_propensity.report.build import draw_figure
from shopper_propensity.report.catalog import FigureSpec, load_figure_specs
from shopper_propensity.report.marts import MartsUnavailable, read_marts
from shopper_propensity.report.page import SECTIONS, RenderedFigure, render_page

REPO_ROOT = Path(__file__).resolve().parents[2]


def _spec(name: str) -> FigureSpec:
    return next(spec for spec in load_figure_specs(REPO_ROOT) if spec.name == name)


def test_every_exposure_is_drawn_and_reads_only_marts():
    specs = load_figure_specs(REPO_ROOT)
    figures.check_drawers(specs)  # raises when code and exposures disagree
    assert {spec.section for spec in specs} == set(SECTIONS)
    # the served marts: models/marts (Python outputs are served there too, through thin SQL marts)
    mart_files = {path.stem for path in (REPO_ROOT / "models" / "marts").rglob("*.sql")}
    for spec in specs:
        assert spec.title and spec.caption, spec.name
        not_marts = set(spec.marts) - mart_files
        assert not not_marts, f"{spec.name} reads {not_marts}, which are not marts"


def test_read_marts_turns_decimals_into_doubles_and_reports_absent_relations(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as connection:
        connection.sql("create view tiny as select 12.50::decimal(18, 2) as spend_usd, 'a' as name")
    frames = read_marts(serving, ["tiny", "absent"])
    assert frames["absent"] is None
    assert list(frames["tiny"].columns) == ["spend_usd", "name"]
    assert frames["tiny"]["spend_usd"].dtype == "float64" and frames["tiny"]["spend_usd"].iloc[0] == 12.5


def test_read_marts_names_the_file_when_a_writer_holds_it(tmp_path):
    # a build never writes the serving file in place; another DuckDB file given with --serving may be held
    warehouse = tmp_path / "locked.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(MartsUnavailable, match="locked.duckdb.*writing to it"):
            read_marts(warehouse, ["anything"])
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(MartsUnavailable, match="make build"):
        read_marts(tmp_path / "never_built.duckdb", ["anything"])


def test_an_empty_mart_gives_no_data_with_the_exposures_reason():
    spec = _spec("report_campaign_gain_curve")
    empty = {name: pd.DataFrame({"evaluated_population": pd.Series(dtype=str)}) for name in spec.marts}
    figure = draw_figure(spec, empty)
    assert figure.kind == "no-data"
    assert figure.content.startswith("campaign_gain_curve has no rows: ")
    assert "campaign_exposures file" in figure.content

    missing = draw_figure(spec, {})
    assert missing.kind == "no-data" and "not among the served marts" in missing.content

    page = render_page([figure], bundle="", source="test.duckdb")
    assert "no data: campaign_gain_curve has no rows" in page


def test_model_health_lists_fired_checks_first():
    spec = _spec("report_model_health")
    assert draw_figure(spec, {}).kind == "no-data"
    checks = pd.DataFrame(
        {
            "check_name": ["validation_auc_near_chance", "threshold_flags_too_many"],
            "subject": ["xgboost", "xgboost on test"],
            "observed_value": [0.81, 0.999],
            "is_fired": [False, True],
        }
    )
    figure = draw_figure(spec, {"model_health": checks})
    assert figure.kind == "table"
    assert figure.content.rows[0][0] == "threshold_flags_too_many"
    assert figure.content.highlighted == [True, False]


def test_page_loads_nothing_from_outside():
    spec = _spec("report_model_health")
    page = render_page([RenderedFigure(spec, "no-data", "why", {})], bundle="/* bundle */", source="w.duckdb")
    lowered = page.lower()
    for external in ("<script src", "<link", "@import", "url(http", 'src="http'):
        assert external not in lowered
