"""The training run behind propensity_model_registry: every candidate fitted on the fit window,
its F1-optimal threshold tuned and the champion chosen on the validation window (document 000
§7; nothing of the validation or test windows fits the encoder or the models)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier

from shopper_propensity.metrics import classification_metrics, f1_optimal_threshold
from shopper_propensity.model_inputs import orders_only_table, require_rows
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
from shopper_propensity.propensity.registry import save_version, stored_rows
from shopper_propensity.propensity.splits import SplitWindows, check_target, window_filter
from shopper_propensity.settings import PropensitySettings

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
    """propensity_model_registry: the candidates trained on session_features (train_registry), one
    row per candidate, each pointing at its model in the version the run stored under var
    artifact_dir (registry.save_version)."""
    if not settings.panel_has_sessions:
        return orders_only_table(REGISTRY_SCHEMA)
    require_rows(features_relation, "session_features")
    return store_run(*train_registry(features_relation, settings), settings.artifact_dir)


def store_run(rows: list[dict], fitted: dict[str, object], metadata: dict, artifact_dir: str) -> pd.DataFrame:
    """The registry frame of a training run: its models stored as one version under
    artifact_dir, each candidate's row pointing at its file."""
    return stored_rows(rows, save_version(fitted, metadata, artifact_dir, reference=fitted[REFERENCE_MODEL]))


def train_registry(features_relation, settings: PropensitySettings) -> tuple[list[dict], dict[str, object], dict]:
    """Fit every candidate on the fit window; on the validation window tune each threshold and
    choose the champion (propensity.champion).

    Returns the registry rows (one per candidate, simplest first), the fitted models by name and
    the metadata of the training run (the version manifest's).
    """
    target, primary_domain, seed = settings.propensity_target, settings.primary_domain, settings.propensity_seed
    max_train_rows, tune_trials = settings.max_train_rows, settings.propensity_tune_trials
    windows = SplitWindows.from_vars(settings.train_end, settings.validation_months)
    columns = feature_columns(target)
    fit = load_rows(features_relation, window_filter(primary_domain, None, windows.validation_start),
                    columns, max_train_rows, seed)
    valid = load_rows(features_relation, window_filter(primary_domain, windows.validation_start, windows.train_end),
                      columns, max_train_rows, seed)
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
        "candidates": [{"model_name": row["model_name"], "is_champion": row["is_champion"],
                        "threshold": row["threshold"], "feature_positions": positions[row["model_name"]],
                        "validation_pr_auc": row["validation_pr_auc"]} for row in rows],
        "xgboost_params": fitted[REFERENCE_MODEL].get_params(),
        "xgboost_version": xgb.__version__,
        "seed": seed,
    }
    return rows, fitted, metadata
