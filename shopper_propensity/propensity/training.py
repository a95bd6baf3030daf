"""The training run behind propensity_model_registry: every candidate fitted on the fit window,
its F1-optimal threshold tuned and the champion chosen on the validation window (document 000
§7; nothing of the validation or test windows fits the encoder or the models), when the
retraining policy (propensity.lifecycle) says this build trains; else the current version's rows."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier

from shopper_propensity.metrics import classification_metrics, f1_optimal_threshold
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity import drift, lifecycle
from shopper_propensity.propensity.candidates import (
    MAX_RANDOM_FOREST_ROWS,
    REFERENCE_MODEL,
    build_models,
    fit_model,
    model_columns,
    model_features,
    predict_scores,
    tune_xgboost,
)
from shopper_propensity.propensity.champion import SELECTION_METRIC, complexity_rank, select_champion
from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.propensity.inputs import feature_columns, load_rows
from shopper_propensity.propensity.registry import (
    StoredModel,
    read_manifest,
    registry_models,
    save_version,
    stored_rows,
)
from shopper_propensity.propensity.splits import SplitWindows, check_target, window_filter
from shopper_propensity.settings import PropensitySettings

log = logging.getLogger(__name__)

REGISTRY_SCHEMA = pa.schema([
    ("model_name", pa.string()), ("is_champion", pa.bool_()), ("is_reference_model", pa.bool_()),
    ("complexity_rank", pa.int64()), ("selection_metric", pa.string()), ("validation_pr_auc", pa.float64()),
    ("validation_roc_auc", pa.float64()), ("pr_auc_gap_to_best", pa.float64()),
    ("pr_auc_gap_interval_low", pa.float64()), ("pr_auc_gap_interval_high", pa.float64()),
    ("selection_reason", pa.string()), ("target", pa.string()), ("primary_domain", pa.string()),
    ("threshold", pa.float64()), ("validation_flagged_share", pa.float64()), ("feature_positions", pa.string()),
    ("encoder_json", pa.string()), ("fit_rows", pa.int64()),
    ("fit_positives", pa.int64()), ("validation_rows", pa.int64()), ("validation_positives", pa.int64()),
    ("validation_start", pa.date32()), ("train_end", pa.date32()), ("model_version_id", pa.string()),
    ("artifact_file", pa.string()), ("artifact_sha256", pa.string()),
])


def fit_registry(features_relation, settings: PropensitySettings) -> pd.DataFrame | pa.Table:
    """propensity_model_registry: one row per candidate of the current model version, each
    pointing at its model in the version folder under var artifact_dir. The retraining policy
    (lifecycle.decide) says whether this build trains a version (train_registry, stored by
    registry.save_version and appended to the history) or keeps the current one."""
    if not settings.panel_has_sessions:
        return orders_only_table(REGISTRY_SCHEMA)
    require_rows(features_relation, "session_features")
    history = lifecycle.read_history(settings.artifact_dir)
    current = history[-1] if history else None
    run_date = settings.run_date or last_event_date(features_relation) + timedelta(days=1)
    decision = lifecycle.decide(
        settings.retrain_policy, current, run_date, lifecycle.training_settings(settings),
        lifecycle.RetrainLimits(settings.retrain_max_age_days, settings.retrain_performance_drop),
        lambda: lifecycle.data_fingerprint(*training_rows(features_relation, settings)),
        lambda: monitored_performance(features_relation, current, run_date, settings),
    )
    if not decision.train:
        log.warning("Propensity lifecycle (%s): %s; scoring with version %s", run_date, decision.detail,
                    current["model_version_id"])
        return version_registry(settings.artifact_dir, current["model_version_id"])
    rows, fitted, metadata = train_registry(features_relation, settings)
    registry = store_run(rows, fitted, {**metadata, "trained_at": run_date.isoformat()}, settings.artifact_dir)
    [version_id] = registry["model_version_id"].unique()
    appended = lifecycle.append_version(
        settings.artifact_dir, lifecycle.history_row(read_manifest(settings.artifact_dir, version_id), decision))
    log.warning("Propensity lifecycle (%s): trained version %s (rule %s: %s)%s", run_date, version_id, decision.rule,
                decision.detail, "" if appended else "; the history already had it (the same run built again)")
    return registry


def last_event_date(features_relation) -> date:
    """The last event date of session_features: the run date is the day after, unless var run_date says."""
    [(last,)] = features_relation.aggregate("max(event_date) as last_event_date").fetchall()
    return pd.Timestamp(last).date()


def monitored_performance(features_relation, current: dict, run_date: date,
                          settings: PropensitySettings) -> lifecycle.Realized | None:
    """The current champion on the primary domain's labelled sessions of the monitoring window
    (lifecycle.monitor_window; a bounded seeded sample like training's): its realized
    retrain_performance_metric against its validation figure."""
    start, end = lifecycle.monitor_window(current, run_date, settings.retrain_monitor_days)
    target = current["target"]
    rows = load_rows(features_relation, window_filter(current["primary_domain"], start, end), feature_columns(target),
                     settings.max_train_rows, settings.propensity_seed)
    if rows.empty:
        return None
    registry = version_registry(settings.artifact_dir, current["model_version_id"])
    champion = registry.loc[registry["is_champion"]]
    encoder, [(_, model, positions, _)] = registry_models(champion, settings.artifact_dir)
    scores = predict_scores(model, model_features(encoder.transform(rows), positions))
    metric = settings.retrain_performance_metric
    return lifecycle.realized_performance(rows[target].astype(int).to_numpy(), scores, rows["event_date"], metric,
                                          champion[f"validation_{metric}"].item(),
                                          settings.health_min_positives_per_window)


def version_registry(artifact_dir: str, version_id: str) -> pd.DataFrame:
    """The registry frame of a stored version, as the build that trained it returned it."""
    manifest = read_manifest(artifact_dir, version_id)
    # in the registry's column order (the manifest's JSON sorts keys), its dates as dates
    rows = [{name: date.fromisoformat(row[name]) if name in ("validation_start", "train_end") else row[name]
             for name in REGISTRY_SCHEMA.names if name in row}
            for row in manifest["registry_rows"]]
    stored = {row["model_name"]: StoredModel(version_id, f"{manifest['family']}/{version_id}/{row['model_name']}.pkl",
                                             manifest["files"][f"{row['model_name']}.pkl"])
              for row in rows}
    return stored_rows(rows, stored)


def store_run(rows: list[dict], fitted: dict[str, object], metadata: dict, artifact_dir: str) -> pd.DataFrame:
    """The registry frame of a training run: its models stored as one version under
    artifact_dir, each candidate's row pointing at its file."""
    return stored_rows(rows, save_version(fitted, {**metadata, "registry_rows": rows}, artifact_dir,
                                          reference=fitted[REFERENCE_MODEL]))


def training_rows(features_relation, settings: PropensitySettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fitting and validation rows the vars select (seeded samples of at most max_train_rows
    each): what a version is trained on, and what its data fingerprint is of."""
    windows = SplitWindows.from_vars(settings.train_end, settings.validation_months)
    columns = feature_columns(settings.propensity_target)
    return tuple(
        load_rows(features_relation, window_filter(settings.primary_domain, start, end), columns,
                  settings.max_train_rows, settings.propensity_seed)
        for start, end in ((None, windows.validation_start), (windows.validation_start, windows.train_end))
    )


def train_registry(features_relation, settings: PropensitySettings) -> tuple[list[dict], dict[str, object], dict]:
    """Fit every candidate on the fit window; on the validation window tune each threshold and
    choose the champion (propensity.champion).

    Returns the registry rows (one per candidate, simplest first), the fitted models by name and
    the metadata of the training run (the version manifest's).
    """
    target, primary_domain, seed = settings.propensity_target, settings.primary_domain, settings.propensity_seed
    tune_trials = settings.propensity_tune_trials
    windows = SplitWindows.from_vars(settings.train_end, settings.validation_months)
    fit, valid = training_rows(features_relation, settings)
    fit_y = fit[target].astype(int).to_numpy()
    valid_y = valid[target].astype(int).to_numpy()
    check_target(fit_y, target, f"training (before {windows.validation_start})")
    check_target(valid_y, target, f"validation ({windows.validation_start} to {windows.train_end})")

    encoder = FeatureEncoder.fit(fit)
    fit_x, valid_x = encoder.transform(fit), encoder.transform(valid)
    overrides = tune_xgboost(fit_x, fit_y, valid_x, valid_y, seed, tune_trials) if tune_trials else {}

    fitted, positions, validation_scores, fit_rows = {}, {}, {}, {}
    for name, model in build_models(fit_y, seed, encoder, overrides).items():
        positions[name] = model_columns(name, encoder)
        fit_rows[name] = MAX_RANDOM_FOREST_ROWS if isinstance(model, RandomForestClassifier) else len(fit_y)
        fitted[name] = fit_model(model, model_features(fit_x, positions[name])[:fit_rows[name]], fit_y[:fit_rows[name]])
        validation_scores[name] = predict_scores(model, model_features(valid_x, positions[name]))
    selection = select_champion(valid_y, validation_scores, seed, settings.propensity_champion)

    rows = []
    for name in sorted(fitted, key=complexity_rank):
        scores = validation_scores[name]
        threshold = f1_optimal_threshold(valid_y, scores)
        validation = classification_metrics(valid_y, scores, threshold)
        rows.append({
            "model_name": name,
            "is_champion": name == selection.champion,
            "is_reference_model": name == REFERENCE_MODEL,
            "complexity_rank": complexity_rank(name),
            "selection_metric": SELECTION_METRIC,
            "validation_pr_auc": selection.metric[name],
            "validation_roc_auc": validation["roc_auc"],
            "pr_auc_gap_to_best": selection.gap[name],
            "pr_auc_gap_interval_low": selection.gap_low[name],
            "pr_auc_gap_interval_high": selection.gap_high[name],
            "selection_reason": selection.reason[name],
            "target": target,
            "primary_domain": primary_domain,
            "threshold": threshold,
            "validation_flagged_share": validation["predicted_positives"] / validation["rows"],
            "feature_positions": json.dumps(positions[name]),
            "encoder_json": json.dumps(encoder.to_dict()),
            "fit_rows": int(min(fit_rows[name], len(fit_y))),
            "fit_positives": int(fit_y[:fit_rows[name]].sum()),
            "validation_rows": int(len(valid_y)),
            "validation_positives": int(valid_y.sum()),
            "validation_start": windows.validation_start,
            "train_end": windows.train_end,
        })

    reference = next(row for row in rows if row["is_reference_model"])
    metadata = {
        "model": REFERENCE_MODEL,
        "champion": selection.champion,
        "champion_reason": selection.reason[selection.champion],
        "target": target,
        "primary_domain": primary_domain,
        "threshold": reference["threshold"],
        "feature_names": encoder.feature_names,
        "encoder": encoder.to_dict(),
        "fit_window": {"before": windows.validation_start.isoformat(), "rows": reference["fit_rows"],
                       "positives": reference["fit_positives"]},
        "validation_window": {"from": windows.validation_start.isoformat(), "before": windows.train_end.isoformat(),
                              "rows": reference["validation_rows"], "positives": reference["validation_positives"]},
        "validation_metrics": classification_metrics(valid_y, validation_scores[REFERENCE_MODEL],
                                                     reference["threshold"]),
        "training_dates": {"first": pd.Timestamp(fit["event_date"].min()).date().isoformat(),
                           "last": pd.Timestamp(valid["event_date"].max()).date().isoformat()},
        "data_fingerprint": lifecycle.data_fingerprint(fit, valid),
        # the reference bins of feature_drift (propensity.drift), fixed with the version
        "monitoring_edges": drift.monitored_edges(fit),
        "training_settings": lifecycle.training_settings(settings),
        "candidates": [{"model_name": row["model_name"], "is_champion": row["is_champion"],
                        "threshold": row["threshold"], "feature_positions": positions[row["model_name"]],
                        "validation_pr_auc": row["validation_pr_auc"]} for row in rows],
        "xgboost_params": fitted[REFERENCE_MODEL].get_params(),
        "xgboost_version": xgb.__version__,
        "seed": seed,
    }
    return rows, fitted, metadata
