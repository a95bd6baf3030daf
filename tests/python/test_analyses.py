"""Every dbt analysis (analyses/) compiles and runs against a warehouse the project built, and
the lift analysis shows what it claims: document 000's cut targets far more than a tenth of the
scored set (whether that lifts less depends on the ranking; on a tiny panel it need not), and
the corrected cut is targeting_roi's."""

from __future__ import annotations

import duckdb
import pytest

from conftest import REPO_ROOT


@pytest.fixture(scope="module")
def analysis_results(clean_build) -> dict[str, list[dict]]:
    _, project = clean_build
    result = project.run("compile", "--select", "resource_type:analysis")
    assert result.returncode == 0, result.stdout[-3000:]
    compiled = project.target / "compiled" / "shopper_propensity" / "analyses"
    names = sorted(path.stem for path in (REPO_ROOT / "analyses").glob("*.sql"))
    assert names and sorted(path.stem for path in compiled.glob("*.sql")) == names
    results = {}
    with duckdb.connect(str(project.database), read_only=True) as connection:
        for name in names:
            relation = connection.sql((compiled / f"{name}.sql").read_text())
            results[name] = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    return results


def test_every_analysis_returns_rows(analysis_results):
    assert {name: len(rows) > 0 for name, rows in analysis_results.items()} == dict.fromkeys(analysis_results, True)


def test_document_000_lift_took_the_fraction_of_the_whole_frame(analysis_results):
    rows = {row["method"].split(":")[0]: row for row in analysis_results["document_000_top_decile_lift"]}
    document, corrected = rows["document 000"], rows["corrected"]
    assert corrected["share_of_scored_set"] == pytest.approx(0.10, abs=0.01)
    assert corrected["lift"] == pytest.approx(corrected["targeting_roi_lift"], rel=1e-12)
    # the whole frame holds the training rows too: its tenth is a larger share of the test set
    assert document["frame_sessions"] > document["scored_sessions"]
    assert document["share_of_scored_set"] > 2 * corrected["share_of_scored_set"]


def test_target_list_is_the_top_fraction_by_score(analysis_results):
    rows = analysis_results["who_to_target_tomorrow"]
    assert [row["target_rank"] for row in rows] == list(range(1, len(rows) + 1))
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= share["share_without_session_id"] <= 1
               for share in analysis_results["transactions_without_session_id"])
