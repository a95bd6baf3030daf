"""Monitoring marts (feature_drift, score_monitoring, persona_migration): PSI and the weekly
metrics on hand-computed rows, then one build of a small panel whose page views are planted to
grow sixfold from train_end, so the drift must show and warn where it was planted."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from conftest import DbtProject, generate_panel, project_settings, project_vars, rewrite_panel_file
from shopper_propensity.metrics import ranking_metrics, top_decile_lift
from shopper_propensity.propensity import drift, monitoring
from shopper_propensity.propensity.registry import read_manifest
from shopper_propensity.propensity.splits import SplitWindows
from shopper_propensity.settings import MonitoringSettings

WINDOWS = SplitWindows(date(2022, 10, 1), date(2023, 1, 1))


# ---------------------------------------------------------------------------------------------
# PSI, bins, weeks
# ---------------------------------------------------------------------------------------------


def test_psi_by_hand_and_floored_for_empty_bins():
    reference = pd.Series([50, 50], index=["a", "b"])
    weeks = pd.DataFrame([[50, 50, 0], [80, 20, 0], [50, 0, 50]], columns=["a", "b", "c"])
    psi = drift.population_stability(weeks, reference)
    assert psi["psi"].iloc[0] == 0.0
    # (0.8 - 0.5) ln(0.8 / 0.5) + (0.2 - 0.5) ln(0.2 / 0.5)
    assert psi["psi"].iloc[1] == pytest.approx(0.3 * np.log(1.6) - 0.3 * np.log(0.4))
    assert psi["top_bin"].iloc[1] == "b"
    # bin b empty this week, bin c unknown to the reference: both shares floored at PSI_EPSILON
    eps = drift.PSI_EPSILON
    expected = (eps - 0.5) * np.log(eps / 0.5) + (0.5 - eps) * np.log(0.5 / eps)
    assert psi["psi"].iloc[2] == pytest.approx(expected)
    assert np.isfinite(psi["psi"]).all() and (psi["psi"] >= 0).all()
    # b and c add the same: the first bin wins the tie
    top = psi.iloc[2]
    assert (top["top_bin"], top["top_bin_share"], top["top_bin_reference_share"]) == ("b", 0, 0.5)


def test_decile_bins_in_sql_merge_ties_and_keep_missing_apart():
    values = np.r_[np.zeros(60), np.arange(1, 41), np.nan]
    edges = drift.decile_edges(values)
    assert edges == sorted(set(edges)) and edges[0] == 0.0
    labels = duckdb.sql(
        f"select {drift.numeric_bin_sql('x', edges)} as bin from (values (-1.0), (0.0), (40.0), (null)) as t(x)"
    ).fetchall()
    assert [row[0] for row in labels] == [f"< {edges[0]:g}", f"[{edges[0]:g}, {edges[1]:g})", f">= {edges[-1]:g}",
                                          "missing"]
    assert drift.decile_edges(np.array([np.nan])) == []


def test_weeks_never_mix_two_windows():
    # 2022-12-26 is a Monday; train_end 2023-01-01 a Sunday: the Sunday starts a test week of its own
    rows = duckdb.sql(
        f"select event_date, {monitoring.week_start_sql(WINDOWS)} as week_start from (values "
        "(date '2022-09-30'), (date '2022-10-01'), (date '2022-10-03'), (date '2022-12-31'), (date '2023-01-01'),"
        " (date '2023-01-02')) as t(event_date) order by event_date"
    ).fetchall()
    weeks = [week for _, week in rows]
    assert weeks == [date(2022, 9, 26), date(2022, 10, 1), date(2022, 10, 3), date(2022, 12, 26), date(2023, 1, 1),
                     date(2023, 1, 2)]
    assert [monitoring.week_period(week, WINDOWS) for week in weeks] == [
        "fit", "validation", "validation", "validation", "test", "test"]


def test_a_calendar_feature_is_judged_only_in_a_week_holding_all_its_values():
    # day_of_week over the training window: every day alike. Two test weeks: a complete one, and
    # the newest, still filling (Monday to Thursday): its PSI is large and says nothing
    reference = pd.DataFrame({"week_start": date(2022, 9, 5), "domain_name": "a.com",
                              "bin": [str(day) for day in range(1, 8)], "rows": 100})
    complete = reference.assign(week_start=date(2023, 1, 2))
    filling = reference[reference["bin"] <= "4"].assign(week_start=date(2023, 1, 9))
    weekly = pd.concat([reference, complete, filling], ignore_index=True)
    settings = project_settings(MonitoringSettings, monitoring_min_rows=10)
    references = drift.reference_counts(weekly, lambda weeks: weeks < WINDOWS.validation_start)
    rows = {row["week_start"]: row for row in drift.drift_rows(
        "day_of_week", "calendar", weekly, references, "a.com", WINDOWS, settings)}
    assert rows[date(2023, 1, 2)]["is_judged"] and rows[date(2023, 1, 2)]["psi"] < 1e-9
    filling_week = rows[date(2023, 1, 9)]
    assert filling_week["psi"] > settings.monitoring_max_psi
    assert not filling_week["is_judged"] and not filling_week["is_drifted"]
    assert "only some of the day_of_week values" in filling_week["message"]
    # a categorical feature missing values in a week is a shift, and is judged
    categorical = {row["week_start"]: row for row in drift.drift_rows(
        "referrer_bucket", "categorical", weekly, references, "a.com", WINDOWS, settings)}
    assert categorical[date(2023, 1, 9)]["is_drifted"]


def test_weekly_counts_count_every_feature_in_one_pass_and_the_reference_is_the_fit_weeks():
    """Three rows: two in a fit week (x 1 and NULL, c 'a' twice) and one in a test week. Each
    feature's bins are counted as if grouped on their own, NULL its own bin."""
    relation = duckdb.sql("select * from (values (date '2022-09-27', 'd', 1.0, 'a'),"
                          " (date '2022-09-28', 'd', null, 'a'), (date '2023-01-03', 'd', 5.0, null))"
                          " as t(event_date, domain_name, x, c)")
    bins = {"x": drift.numeric_bin_sql("x", [2.0]), "c": drift.categorical_bin_sql("c")}
    counts = drift.weekly_counts(relation, bins, WINDOWS).to_pylist()
    fit, test = date(2022, 9, 26), date(2023, 1, 2)
    assert counts == [
        {"week_start": fit, "domain_name": "d", "feature_name": "c", "bin": "a", "rows": 2},
        {"week_start": fit, "domain_name": "d", "feature_name": "x", "bin": "< 2", "rows": 1},
        {"week_start": fit, "domain_name": "d", "feature_name": "x", "bin": "missing", "rows": 1},
        {"week_start": test, "domain_name": "d", "feature_name": "c", "bin": "unknown", "rows": 1},
        {"week_start": test, "domain_name": "d", "feature_name": "x", "bin": ">= 2", "rows": 1},
    ]
    weekly = pd.DataFrame(counts)
    reference = drift.reference_counts(weekly[weekly["feature_name"] == "x"],
                                            lambda weeks: weeks < WINDOWS.validation_start)
    assert reference["d"].to_dict() == {"< 2": 1, "missing": 1}


# ---------------------------------------------------------------------------------------------
# One week's metrics, by hand
# ---------------------------------------------------------------------------------------------


def test_week_metrics_by_hand():
    """Five sessions, scores 0.9 (buys), 0.8, 0.7 (buys), 0.6, 0.5: ROC AUC = 5 of 6 pairs ranked
    right; PR AUC = mean precision at the positives (1/1, 2/3) = 5/6; the top decile is
    ceil(5/10) = 1 session, a buyer: lift = 1 / (2/5) = 2.5."""
    group = pd.DataFrame({"score": [0.9, 0.8, 0.7, 0.6, 0.5],
                          "actual": [True, False, True, False, False]})
    champion = pd.Series({"model_name": "m", "model_version_id": "v1", "validation_roc_auc": 0.9,
                          "primary_domain": "amazon.com"})
    settings = project_settings(MonitoringSettings, monitoring_min_positives=2)
    def week_metrics(domain: str) -> dict:  # a row of score_monitoring: the ranking and its verdict
        ranking = monitoring.week_ranking(date(2023, 1, 2), domain, group, champion)
        return {**ranking, **monitoring.week_verdict(ranking, champion, WINDOWS, settings)}

    row = week_metrics("amazon.com")
    assert row["roc_auc"] == pytest.approx(5 / 6) and row["pr_auc"] == pytest.approx(5 / 6)
    assert row["top_decile_lift"] == pytest.approx(2.5)
    assert (row["sessions"], row["positives"], row["base_rate"]) == (5, 2, 0.4)
    assert row["roc_auc_drop"] == pytest.approx(0.9 - 5 / 6)
    assert row["is_judged"] and row["is_auc_dropped"]  # 0.067 > the default limit 0.05
    assert "realized ROC AUC 0.833" in row["message"] and "drop of 0.067 (above the limit 0.05)" in row["message"]
    # another domain has no validation window of its own: its drop is shown, not judged
    other = week_metrics("x.com")
    assert other["roc_auc"] == row["roc_auc"] and not other["is_judged"] and not other["is_auc_dropped"]
    assert "not judged: not the primary domain" in other["message"]


def test_top_decile_is_lift_by_decile_s_ntile():
    # 11 rows: ntile(10) puts 2 in the first decile; ties by key
    labels = np.array([0, 1] + [0] * 8 + [1])
    scores = np.array([0.9, 0.9] + [0.1] * 9)
    keys = np.array(["b", "a"] + [f"k{i}" for i in range(9)])
    assert top_decile_lift(labels, scores, keys) == pytest.approx((1 / 2) / (2 / 11))
    assert top_decile_lift(np.zeros(3), np.ones(3), np.array(list("abc"))) is None


# ---------------------------------------------------------------------------------------------
# The marts on a small panel with a planted shift
# ---------------------------------------------------------------------------------------------

TRAIN_END = project_vars()["train_end"]
# every test-week with this many rows is judged (the default, 500, is for real panels)
MIN_ROWS = 40


@pytest.fixture(scope="module")
def shifted_build(tmp_path_factory) -> DbtProject:
    """A ~20K-session panel whose page views are six times higher from train_end on, built up to
    the monitoring marts with their tests."""
    work = tmp_path_factory.mktemp("monitoring")
    panel = generate_panel(work / "panel", sessions=20_000)
    rewrite_panel_file(
        panel / "sessions.csv",
        "select * replace (case when event_date >= '" + TRAIN_END + "' then cast(cast(pages_viewed as bigint) * 6 "
        "as varchar) else pages_viewed end as pages_viewed) from read_csv({file}, all_varchar = true, header = true)",
        "format csv, header",
    )
    project = DbtProject(work, panel)
    result = project.run("build", "--select", "+feature_drift", "+score_monitoring", "+persona_migration",
                         "--exclude", "test_type:singular", "--vars", f"{{monitoring_min_rows: {MIN_ROWS}}}")
    assert result.returncode == 0, result.stdout[-3000:]
    project.log = result.stdout
    return project


def test_planted_shift_shows_and_warns(shifted_build):
    by_period = dict(shifted_build.query(
        "select period, median(psi) from feature_drift where feature_name = 'pages_viewed' "
        "and domain_name = 'amazon.com' and rows >= 40 group by period"))
    limit = project_vars()["monitoring_max_psi"]
    assert by_period["test"] > 4 * limit, by_period
    assert by_period["fit"] < limit, by_period
    drifted = shifted_build.query("select distinct feature_name from feature_drift where is_drifted")
    assert ("pages_viewed",) in drifted
    assert "WARN" in shifted_build.log and "feature_drift_psi_within_limit" in shifted_build.log
    message = shifted_build.query(
        "select message from feature_drift where is_drifted and feature_name = 'pages_viewed' limit 1")[0][0]
    assert f"above the limit {limit:g}" in message


def test_drift_rows_are_complete_and_finite(shifted_build):
    (rows, bad, features), = shifted_build.query(
        "select count(*), count(case when not isfinite(psi) or psi < 0 then 1 end), count(distinct feature_name) "
        "from feature_drift")
    assert rows > 0 and bad == 0
    assert features == len(drift.NUMERIC_FEATURES) + len(drift.CATEGORICAL_FEATURES) + len(
        drift.CALENDAR_FEATURES) - len(drift.NOT_MONITORED) + 1  # + the score
    # every session in one week of each feature, and the reference is the training window
    assert shifted_build.query(
        "select count(*) from (select feature_name, domain_name, sum(rows) as n from feature_drift "
        "where feature_name <> 'score' group by all) as f inner join (select domain_name, count(*) as n "
        "from session_features group by all) as s using (domain_name) where f.n <> s.n") == [(0,)]
    # the reference: the domain's own rows of the training window
    assert shifted_build.query(
        "select count(*) from feature_drift as f where feature_name <> 'score' and (reference_domain <> domain_name "
        "or reference_rows <> (select count(*) from session_features as s inner join propensity_model_registry as r "
        "on r.is_champion and s.event_date < r.validation_start where s.domain_name = f.domain_name))") == [(0,)]
    # the score's: the primary domain's validation window, judged there only
    assert shifted_build.query(
        "select count(*) from feature_drift where feature_name = 'score' and (reference_domain <> 'amazon.com' "
        "or is_judged and domain_name <> reference_domain)") == [(0,)]


def test_weekly_metrics_equal_the_project_metrics(shifted_build):
    """The busiest test week of the primary domain: score_monitoring's figures are those of
    shopper_propensity.metrics (and scikit-learn) on the champion's rows of that week."""
    week, domain, roc_auc, pr_auc, lift, sessions, positives = shifted_build.query(
        "select week_start, domain_name, roc_auc, pr_auc, top_decile_lift, sessions, positives from score_monitoring "
        "where period = 'test' and roc_auc is not null order by sessions desc, week_start limit 1")[0]
    rows = pd.DataFrame(shifted_build.query(
        "select p.pseudo_session_id, p.score, p.actual from propensity_predictions as p "
        "inner join propensity_model_registry as r on p.model_name = r.model_name and r.is_champion "
        f"where p.split = 'test' and p.domain_name = '{domain}' and p.event_date >= date '{week}' "
        f"and p.event_date < date '{week}' + interval 7 day"), columns=["key", "score", "actual"])
    labels, scores = rows["actual"].astype(int).to_numpy(), rows["score"].to_numpy()
    assert (sessions, positives) == (len(rows), labels.sum())
    expected = ranking_metrics(labels, scores)
    assert roc_auc == pytest.approx(expected["roc_auc"], abs=1e-12) == pytest.approx(roc_auc_score(labels, scores))
    assert pr_auc == pytest.approx(expected["pr_auc"], abs=1e-12)
    assert pr_auc == pytest.approx(average_precision_score(labels, scores))
    assert lift == pytest.approx(top_decile_lift(labels, scores, rows["key"].to_numpy()), abs=1e-12)
    # the score's PSI is feature_drift's
    assert shifted_build.query(
        "select count(*) from score_monitoring as m inner join feature_drift as f using (week_start, domain_name) "
        "where f.feature_name = 'score' and f.psi <> m.score_psi") == [(0,)]


def test_persona_migration_accounts_for_every_user(shifted_build):
    (moved, users), = shifted_build.query(
        "select (select sum(users) from persona_migration), (select count(*) from (select domain_name, machine_id "
        "from user_segments union select domain_name, machine_id from user_segments_at_train_end))")
    assert moved == users > 0
    assert shifted_build.query(
        "select count(*) from (select domain_name, from_persona, sum(share_of_from_persona) as total "
        "from persona_migration group by all) where abs(total - 1) > 1e-9") == [(0,)]


def test_the_numeric_bins_are_the_versions_stored_edges(shifted_build, tmp_path):
    """The drift bins of the numeric features come from the edges the model version stored when it
    was trained; a version stored without them (before they were kept) gets the same bins from
    the same seeded training sample again."""
    artifacts = shifted_build.database.parent / "artifacts"
    settings = project_settings(MonitoringSettings, artifact_dir=str(artifacts), monitoring_min_rows=MIN_ROWS)
    with duckdb.connect(str(shifted_build.database), read_only=True) as connection:
        registry = connection.table("ml.propensity_model_registry")
        features, predictions = connection.table("main.session_features"), connection.table("ml.propensity_predictions")
        champion, windows = monitoring.champion_row(registry)
        stored = read_manifest(artifacts, champion["model_version_id"])
        assert set(stored["monitoring_edges"]) == {
            feature for feature in drift.NUMERIC_FEATURES if feature not in drift.NOT_MONITORED}
        bins = drift.monitored_bins(features, predictions, champion, windows, settings)
        edges = stored["monitoring_edges"]["pages_viewed"]
        assert bins[0]["pages_viewed"] == drift.numeric_bin_sql("pages_viewed", edges)
        # the same version without its edges: copied with the manifest's edges left out
        older = tmp_path / "artifacts"
        shutil.copytree(artifacts, older)
        manifest_path = older / "propensity" / champion["model_version_id"] / "manifest.json"
        manifest_path.write_text(json.dumps({k: v for k, v in stored.items() if k != "monitoring_edges"}))
        resampled = drift.monitored_bins(features, predictions, champion, windows,
                                         dataclasses.replace(settings, artifact_dir=str(older)))
    assert resampled == bins
