"""The model lifecycle in dbt, on one small panel, build after build with one artifact folder:
the first build trains a version; a build with one more day and retrain_policy never keeps it and
scores only the new dates (plus the lookback), equal row by row to a full rescoring; a build with
retrain_policy always adds a version and rescores every row with it; the target lists are
exported per run date."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from conftest import MODELS_AND_SEEDS, DbtProject, generate_panel, project_vars
from shopper_propensity.propensity import lifecycle

SESSIONS = 20_000
# The smallest selection with every table the lifecycle touches (the monitoring tables kept
# incrementally too); fewer k-means fits.
SELECTION = ("--select", "+daily_target_lists", "+session_scores", "+propensity_model_versions", "+feature_drift",
             "+score_monitoring")
FAST = {"segment_k_max": 3}
KEYS = "pseudo_session_id, split, model_name"
# As the daily job (selectors.yml): the score deciles' cut rows stay the last full build's
DAILY_CUTS = ("--exclude", "int_session_score_cutoffs_ranked")
# Each domain's deciles and top fraction over every session_scores row, as ntile would cut them
# (the full build's definition)
RECUT = ("select pseudo_session_id, "
         "ntile(10) over (partition by domain_name order by score desc, pseudo_session_id) as score_decile, "
         "row_number() over (partition by domain_name order by score desc, pseudo_session_id) "
         f"<= ceil({project_vars()['target_fraction']} * count(*) over (partition by domain_name)) as is_targeted "
         "from session_scores")
DECILES = "select pseudo_session_id, score_decile, is_targeted from session_scores"


def _build(project: DbtProject, *args: str, selection=SELECTION, **overrides) -> str:
    result = project.run("build", *MODELS_AND_SEEDS, *selection, *args, "--vars", json.dumps({**FAST, **overrides}))
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout + result.stderr  # the package logs to stderr


def _predictions(project: DbtProject) -> pd.DataFrame:
    return pd.DataFrame(project.query(f"select * from ml.propensity_predictions order by {KEYS}"),
                        columns=[row[0] for row in project.query("describe ml.propensity_predictions")])


@pytest.fixture(scope="module")
def lifecycle_builds(tmp_path_factory):
    work = tmp_path_factory.mktemp("lifecycle")
    panel = generate_panel(work / "panel", sessions=SESSIONS)
    project = DbtProject(work, panel)
    with duckdb.connect() as connection:
        [(last_day,)] = connection.sql(
            f"select max(cast(event_date as date)) from read_csv('{panel / 'sessions.csv'}')").fetchall()
    first_log = _build(project, panel_max_date=str(last_day - timedelta(days=1)))  # the last day not in yet
    first = _predictions(project)
    first_deciles = set(project.query(DECILES))
    # a marker on a score older than the lookback (and than the weeks monitoring counts again):
    # an incremental run must keep it, not rescore it
    old = first[(first["split"] == "test") & (first["event_date"] < last_day - timedelta(days=30))].iloc[0]
    with duckdb.connect(str(project.database)) as connection:
        connection.execute(f"update ml.propensity_predictions set score = -1 where pseudo_session_id = "
                           f"'{old.pseudo_session_id}' and split = 'test' and model_name = '{old.model_name}'")
    never_log = _build(project, *DAILY_CUTS, retrain_policy="never")
    incremental = _predictions(project)
    return {"project": project, "last_day": last_day, "first": first, "first_log": first_log, "old": old,
            "never_log": never_log, "incremental": incremental, "first_deciles": first_deciles,
            "never_deciles": set(project.query(DECILES))}


def test_a_day_places_its_sessions_in_the_last_full_builds_score_cuts(lifecycle_builds):
    """The never build kept the first build's cut rows (as the daily job does): the sessions
    scored then keep their decile and flag, and the new day's are placed among them."""
    builds = lifecycle_builds
    first, never = builds["first_deciles"], builds["never_deciles"]
    first_keys, never_keys = {key for key, _, _ in first}, {key for key, _, _ in never}
    kept = {row for row in never if row[0] in first_keys}
    # the marked old score moved its session out of its decile; every other session kept its own
    moved = {row[0] for row in kept - first}
    assert moved <= {builds["old"].pseudo_session_id}
    assert len(never) > len(first) and never_keys > first_keys
    assert {decile for _, decile, _ in never} == set(range(1, 11))


def test_never_keeps_the_version_and_scores_only_the_new_dates(lifecycle_builds):
    builds = lifecycle_builds
    project, last_day, old = builds["project"], builds["last_day"], builds["old"]
    assert "trained version" in builds["first_log"] and "rule no_model" in builds["first_log"]
    [version] = builds["first"]["model_version_id"].unique()
    assert f"retrain_policy never: version {version} kept" in builds["never_log"]
    lookback = project_vars()["incremental_lookback_days"]
    rescore_from = last_day - timedelta(days=1 + lookback)
    assert f"model_version_id {version} unchanged; rebuilding from {rescore_from}" in builds["never_log"]
    incremental = builds["incremental"]
    assert set(incremental["model_version_id"]) == {version}
    assert len(lifecycle.read_history(project.env["SHOPPER_ARTIFACT_DIR"])) == 1
    # the new day is scored; the marked old score was kept, not rescored
    assert (incremental["event_date"] == last_day).any() and not (builds["first"]["event_date"] == last_day).any()
    marked = incremental[(incremental["pseudo_session_id"] == old.pseudo_session_id)
                         & (incremental["split"] == "test") & (incremental["model_name"] == old.model_name)]
    assert marked["score"].tolist() == [-1]

    # a full rescoring of the same version gives the same rows (the marker restored)
    _build(project, "--full-refresh", selection=("--select", "propensity_predictions"), retrain_policy="never")
    full = _predictions(project)
    restored = incremental.copy()
    restored.loc[marked.index, "score"] = old.score
    print(f"\nincremental vs full rescoring: {len(full):,} rows of propensity_predictions, "
          f"{int((incremental['event_date'] >= rescore_from).sum()):,} rescored incrementally")
    pd.testing.assert_frame_equal(restored, full)


def test_monitoring_counts_only_the_new_weeks_and_equals_a_full_count(lifecycle_builds):
    """The never build (same version, one more day) counted the monitoring weeks from the
    rebuilt dates on; a full count of every week gives the same rows."""
    project, log = lifecycle_builds["project"], lifecycle_builds["never_log"]
    tables = ("ml_feature_bin_counts", "ml_score_week_metrics")
    for table in tables:
        assert f'"ml"."{table}": ' in log and "unchanged; rebuilding from" in log.split(f'"ml"."{table}": ')[1][:200]
    # their slices (and the scores') were logged: their data tests checked the rows appended
    logged = {name for (name,) in project.query("select model_name from incremental_slices")}
    assert logged >= {*tables, "propensity_predictions"}
    incremental = {table: project.query(f"select * from ml.{table} order by all") for table in tables}
    _build(project, "--full-refresh", selection=("--select", *tables), retrain_policy="never")
    for table in tables:
        assert project.query(f"select * from ml.{table} order by all") == incremental[table], table


def test_always_adds_a_version_that_rescores_every_row_and_the_lists_carry_it(lifecycle_builds):
    builds = lifecycle_builds
    project, last_day = builds["project"], builds["last_day"]
    log = _build(project, *DAILY_CUTS, retrain_policy="always")
    assert "rule always" in log and "rebuilding every row" in log
    # the stored cut rows are the old version's: session_scores cut the new version's scores
    # itself, as ntile over every row would
    assert project.query("select count(*) from intermediate.int_session_score_cutoffs_ranked "
                         "where model_version_id = (select max(model_version_id) from session_scores)") == [(0,)]
    assert set(project.query(DECILES)) == set(project.query(RECUT))
    history = lifecycle.read_history(project.env["SHOPPER_ARTIFACT_DIR"])
    assert [row["retrain_rule"] for row in history] == ["no_model", "always"]
    assert [row["trained_at"] for row in history] == [str(last_day), str(last_day + timedelta(days=1))]
    new_version = history[-1]["model_version_id"]
    assert project.query("select distinct model_version_id from ml.propensity_predictions") == [(new_version,)]
    assert project.query("select distinct model_version_id from session_scores") == [(new_version,)]
    assert project.query("select distinct model_version_id from ml.propensity_model_registry") == [(new_version,)]
    assert project.query("select model_version_id, version_number from propensity_model_versions "
                         "where is_current_version group by all") == [(new_version, 2)]
    assert project.query("select count(distinct model_version_id) from propensity_model_versions") == [(2,)]

    # the target lists: the day before the run date, above the champion's threshold, with persona
    lists = project.query("select run_date, list_date, bool_and(is_above_threshold), count(*), "
                          "count(distinct model_version_id), max(model_version_id) "
                          "from daily_target_lists group by all")
    assert lists[0][:3] == (last_day + timedelta(days=1), last_day, True)
    assert lists[0][3] > 0 and lists[0][4:] == (1, new_version)
    run_folder = project.exports / "target_lists" / f"run_date={last_day + timedelta(days=1)}"
    domains = [row[0] for row in project.query("select distinct domain_name from daily_target_lists order by 1")]
    assert sorted(path.name for path in run_folder.iterdir()) == sorted(
        [f"{domain}.{ext}" for domain in domains for ext in ("csv", "parquet")] + ["manifest.json"])
    with duckdb.connect() as connection:
        exported = connection.sql(f"select count(*) from read_parquet('{run_folder}/*.parquet')").fetchall()
        as_csv = connection.sql(f"select count(*) from read_csv('{run_folder}/*.csv')").fetchall()
    assert exported == as_csv == [(lists[0][3],)]


def test_a_top_fraction_list_takes_the_top_of_each_domain(lifecycle_builds):
    project, last_day = lifecycle_builds["project"], lifecycle_builds["last_day"]
    _build(project, selection=("--select", "daily_target_lists"), target_list_rule="top_fraction",
           run_date=str(last_day))
    rows = project.query("select domain_name, count(*), max(machines_scored), max(target_rank), min(list_date) "
                         "from daily_target_lists group by all")
    # each machine counted once, with its sessions of that day
    assert project.query(f"""
        select count(*) from daily_target_lists as listed
        inner join (
            select domain_name, machine_id, count(*) as sessions from session_scores
            where event_date = date '{last_day - timedelta(days=1)}' group by all
        ) as day using (domain_name, machine_id)
        where listed.sessions_scored = day.sessions""") == project.query("select count(*) from daily_target_lists")
    fraction = project_vars()["target_fraction"]
    for _, listed, scored, top_rank, list_date in rows:
        assert listed == top_rank == -(-scored * fraction // 1)  # ceil(f * N): the targeting rounding rule
        assert list_date == last_day - timedelta(days=1)
