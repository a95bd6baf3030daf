"""Orders-only panels (issue 20): a panel declared orders-only (var panel_has_sessions false, the
sessions file header-only) builds everything that needs only purchases - the orders, user RFM's
purchase side, RFM segments, the repeat-purchase and customer-value models and marts - while
the session-level models build empty, with one log line; the forecast checks out against the
generator's hidden truth. Undeclared, a missing or empty sessions file still stops the build."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import roc_auc_score

from conftest import DbtProject, generate_panel
from shopper_propensity import warehouse
from shopper_propensity.build_summary import summarize
from shopper_propensity.personas.pipeline import K_SELECTION_SCHEMA, SEGMENTS_SCHEMA
from shopper_propensity.propensity.drift import BIN_COUNTS_SCHEMA, DRIFT_SCHEMA
from shopper_propensity.propensity.evaluation import METRICS_SCHEMA
from shopper_propensity.propensity.importance import IMPORTANCE_SCHEMA
from shopper_propensity.propensity.model_health import HEALTH_SCHEMA
from shopper_propensity.propensity.monitoring import SCORE_MONITORING_SCHEMA, WEEK_METRICS_SCHEMA
from shopper_propensity.propensity.scoring import PREDICTION_SCHEMA
from shopper_propensity.propensity.training import REGISTRY_SCHEMA
from shopper_propensity.repeat.features import BROWSING_FEATURES

SESSIONS = 40_000
ORDERS_ONLY = "{panel_has_sessions: false}"
LOG_LINE = "Orders-only panel (var panel_has_sessions is false): no sessions are read."
PURCHASE_SIDE = (
    "stg_comscore__transactions", "int_transactions_grouped_to_orders", "aov_by_domain", "order_value_histogram",
    "order_size_distribution", "user_rfm", "user_rfm_segments",
    "repeat_model_registry", "repeat_models", "repeat_predictions", "repeat_model_metrics", "user_repeat_forecast",
    "repeat_model_calibration", "user_lift_by_decile", "user_gain_curve", "user_targeting_roi",
)
SESSION_LEVEL = (
    "stg_comscore__sessions", "session_features", "session_scores", "propensity_model_registry",
    "propensity_predictions", "propensity_model_metrics", "propensity_feature_importance", "model_health",
    "propensity_model_versions", "daily_target_lists",
    "lift_by_decile", "gain_curve", "targeting_roi", "segment_k_selection", "user_segments", "segment_profiles",
    "user_segments_at_train_end", "domain_summary", "conversion_rates_by_dimension",
    "campaign_stage1_predictions", "campaign_model_metrics", "campaign_gain_curve",
    "feature_drift", "score_monitoring", "persona_migration",
)


def header_only(path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory):
    """A full build (models and data tests) of a panel whose sessions file is a header only."""
    work = tmp_path_factory.mktemp("orders_only")
    panel = generate_panel(work / "panel", SESSIONS)
    header_only(panel / "sessions.csv")
    project = DbtProject(work, panel)
    result = project.run("build", "--vars", ORDERS_ONLY)
    return panel, project, result


def test_the_build_passes_and_says_once_why_the_session_models_are_empty(orders_only):
    _, _, result = orders_only
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.count(LOG_LINE) == 1


def test_the_purchase_side_and_the_user_level_marts_are_filled(orders_only):
    _, project, _ = orders_only
    empty = [table for table in PURCHASE_SIDE if project.query(f"select count(*) from {table}") == [(0,)]]
    assert not empty
    # purchases without visits: the visit side of user_rfm and the browsing features are unknown
    assert project.query("select count(*) from user_rfm where frequency_days is not null") == [(0,)]
    unknown = " and ".join(f"{feature} is null" for feature in BROWSING_FEATURES)
    assert project.query(f"select bool_and({unknown}) from int_repeat_customers_featurized") == [(True,)]
    [(encoder,)] = project.query("select any_value(encoder_json) from repeat_model_registry")
    assert all(f'"{feature}": "empty' in encoder for feature in BROWSING_FEATURES)
    assert project.query("select count(*) from user_repeat_forecast where persona is not null") == [(0,)]


def test_the_build_publishes_its_marts_the_session_ones_empty_and_stores_the_repeat_models_as_files(orders_only):
    """The serving step runs on an orders-only build like any other: every served mart is
    exported (the session-level ones with 0 rows), and the repeat registry points at model files
    in the artifact folder, whose digests it recorded."""
    _, project, _ = orders_only
    manifest = json.loads((project.exports / "current" / "manifest.json").read_text())
    rows = {mart["name"]: mart["rows"] for mart in manifest["marts"]}
    assert rows["session_scores"] == rows["lift_by_decile"] == 0
    assert rows["user_repeat_forecast"] > 0 and rows["repeat_model_metrics"] > 0 and rows["repeat_models"] == 2
    stored = project.query("select artifact_file, artifact_sha256 from repeat_model_registry")
    artifacts = project.exports.parent / "artifacts"
    assert len(stored) == 2 and all(
        hashlib.sha256((artifacts / file).read_bytes()).hexdigest() == digest for file, digest in stored)


def test_the_session_level_marts_are_empty(orders_only):
    _, project, _ = orders_only
    filled = [table for table in SESSION_LEVEL if project.query(f"select count(*) from {table}") != [(0,)]]
    assert not filled
    assert project.query("select rows_in, rows_kept from panel_row_accounting where source_table = 'sessions'") == [
        (0, 0)]


def test_the_forecast_checks_out_against_the_hidden_truth(orders_only):
    """truth/repeat_behaviour says who had lapsed (or left the panel) by the cutoff: BG/NBD's
    P(alive) and the champion's P(a purchase) both rank the customers still alive higher."""
    panel, project, _ = orders_only
    forecast = pd.DataFrame(project.query(
        "select machine_id, domain_name, cutoff_date, bgnbd_probability_alive, purchase_probability "
        "from user_repeat_forecast where bgnbd_probability_alive is not null"
    ), columns=["machine_id", "domain_name", "cutoff_date", "probability_alive", "purchase_probability"])
    truth = pd.read_csv(panel / "truth" / "repeat_behaviour.csv", parse_dates=["lapse_date", "active_until_date"])
    rows = forecast.merge(truth, on=["machine_id", "domain_name"], validate="one_to_one")
    cutoff = pd.Timestamp(rows["cutoff_date"].iloc[0])
    alive = ((rows["lapse_date"].isna() | (rows["lapse_date"] >= cutoff)) & (rows["active_until_date"] >= cutoff))
    assert len(rows) == len(forecast) > 300 and 0.1 < alive.mean() < 0.9
    assert roc_auc_score(alive, rows["probability_alive"]) > 0.65
    assert roc_auc_score(alive, rows["purchase_probability"]) > 0.7
    lapsed = rows["lapse_date"] < cutoff
    assert rows.loc[lapsed, "probability_alive"].mean() < rows.loc[~lapsed, "probability_alive"].mean()


def test_the_build_summary_reports_the_repeat_models_without_session_models(orders_only):
    _, project, _ = orders_only
    with warehouse.connect(project.database) as connection:
        summary = summarize(connection)
    assert "Propensity: no session models (an orders-only panel)" in summary
    assert "Repeat purchase on the scored cutoff: champion beside BG/NBD + Gamma-Gamma" in summary
    assert "bgnbd_gamma_gamma" in summary and "(champion)" in summary


def test_undeclared_an_empty_sessions_file_still_stops_the_build(orders_only):
    panel, project, _ = orders_only
    result = project.run("run", "--select", "base_comscore__transactions")
    assert result.returncode != 0
    assert (f"{panel}/sessions.csv (source comscore.sessions) has no data rows (a header only) "
            "(for a panel of orders only, set var panel_has_sessions: false)") in result.stdout


def test_declared_orders_only_a_sessions_file_with_rows_stops_the_build(clean_build, dbt_project_factory):
    panel, _ = clean_build
    project = dbt_project_factory(panel)
    result = project.run("run", "--select", "base_comscore__transactions", "--vars", ORDERS_ONLY)
    assert result.returncode != 0
    assert "sessions.csv (source comscore.sessions) has " in result.stdout
    assert "data rows, but var panel_has_sessions is false (an orders-only panel)" in result.stdout


@pytest.mark.parametrize("table, schema", [
    ("propensity_model_registry", REGISTRY_SCHEMA), ("propensity_predictions", PREDICTION_SCHEMA),
    ("ml_propensity_model_metrics", METRICS_SCHEMA), ("ml_propensity_feature_importance", IMPORTANCE_SCHEMA),
    ("ml_model_health", HEALTH_SCHEMA), ("ml_segment_k_selection", K_SELECTION_SCHEMA),
    ("ml_user_segments", SEGMENTS_SCHEMA),
    ("user_segments_at_train_end", SEGMENTS_SCHEMA),
    ("ml_feature_drift", DRIFT_SCHEMA), ("ml_score_monitoring", SCORE_MONITORING_SCHEMA),
    ("ml_feature_bin_counts", BIN_COUNTS_SCHEMA), ("ml_score_week_metrics", WEEK_METRICS_SCHEMA),
], ids=lambda value: value if isinstance(value, str) else "")
def test_an_orders_only_table_has_the_columns_a_full_panel_builds(clean_build, table, schema):
    """The empty tables of the session-level Python stages are typed as the full panel's."""
    _, project = clean_build
    duckdb_types = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN",
                    pa.date32(): "DATE", pa.binary(): "BLOB"}
    declared = [(field.name, duckdb_types[field.type]) for field in schema]
    assert [tuple(row[:2]) for row in project.query(f"describe {table}")] == declared
