"""Session propensity (document 000 §7): encoding, temporal split, models, threshold, metrics.

Pure functions on pandas/numpy. The dbt Python models in python_models/propensity/ read
session_features, call these, and return frames. Differences from document 000 on purpose:
the decision threshold is tuned on a validation window at the end of the training period,
never on the test set, and nothing of the validation or test windows is used to fit the
encoder or the models.
"""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from shopper_propensity.champion import SELECTION_METRIC, complexity_rank, select_champion
from shopper_propensity.features import MODEL_FEATURES, PARSIMONY_FEATURES, FeatureEncoder
from shopper_propensity.sql_literals import sql_literal

TARGETS = ("converted", "is_repeat_purchase")

REFERENCE_MODEL = "xgboost"  # the seed's model, reported beside the champion whatever is chosen


class PropensityInputError(ValueError):
    """The data cannot train a model (e.g. one class only); raised with a readable message."""


# ---------------------------------------------------------------------------------------------
# Temporal split
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitWindows:
    """Fit on [.., validation_start), tune on [validation_start, train_end), test on [train_end, ..)."""

    validation_start: date
    train_end: date

    @classmethod
    def from_vars(cls, train_end: str | date, validation_months: int) -> SplitWindows:
        end = pd.Timestamp(train_end)
        return cls((end - pd.DateOffset(months=int(validation_months))).date(), end.date())

    def label(self, event_dates: pd.Series) -> np.ndarray:
        dates = pd.to_datetime(event_dates)
        return np.where(
            dates >= pd.Timestamp(self.train_end), "test",
            np.where(dates >= pd.Timestamp(self.validation_start), "validation", "train"),
        )


def check_target(labels: np.ndarray, target: str, window: str) -> None:
    """A clear error for a target with one class in a window, before any library sees it."""
    positives = int(np.sum(labels))
    if len(labels) == 0:
        raise PropensityInputError(f"no pseudo-sessions in the {window} window: check train_end and the data's dates")
    if positives == 0 or positives == len(labels):
        only = "1 (all positive)" if positives else "0 (no positives)"
        raise PropensityInputError(
            f"target '{target}' is {only} for all {len(labels):,} pseudo-sessions of the {window} window; "
            "a classifier needs both classes. Check the target var, train_end and the transactions input."
        )


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def _positive_weight(labels: np.ndarray) -> float:
    """sqrt(negatives / positives): the full ratio pushes most scores above 0.5 and so leaves
    the tuned threshold nothing to do but trade recall away; the square root balances the
    classes half-way (on the default panel: same ROC AUC, higher F1 at 0.5)."""
    positives = max(int(np.sum(labels)), 1)
    return float(np.sqrt((len(labels) - positives) / positives))


def xgboost_params(labels: np.ndarray, seed: int, **overrides) -> dict:
    """XGBoost `hist` settings with class weighting. Shallow trees with a floor on leaf weight
    generalise better to the next year than depth 6 did (test ROC AUC +0.01 on the default panel)."""
    params = {
        "tree_method": "hist", "n_estimators": 300, "learning_rate": 0.08, "max_depth": 4,
        "min_child_weight": 20, "subsample": 0.8, "colsample_bytree": 0.8, "reg_lambda": 1.0,
        "eval_metric": "logloss", "random_state": seed, "n_jobs": 2,
        "scale_pos_weight": _positive_weight(labels),
    }
    params.update(overrides)
    return params


# Random forest cost grows fastest with rows and depth; it is a baseline, so it sees a bounded
# sample and grows bounded trees. At paper scale, 100K rows at depth 12 against 200K unbounded:
# fit 3x and scoring 1.6x faster, test ROC AUC 0.743 against 0.745 (XGBoost: 0.754). 50 trees
# instead of 100: fit 2x and scoring 1.6x faster, test ROC AUC 0.7415 against 0.7428.
MAX_RANDOM_FOREST_ROWS = 100_000
RANDOM_FOREST_MAX_DEPTH = 12
RANDOM_FOREST_TREES = 50


def build_models(
    labels: np.ndarray, seed: int, encoder: FeatureEncoder, xgboost_overrides: dict | None = None,
) -> dict[str, object]:
    """The candidates: the seed's XGBoost and the baselines of document 000 §7.3 and §7.6, unfitted.

    Logistic regression sees the numeric counts through median imputation (with missingness
    indicators) and log1p, the calendar columns imputed, then everything scaled: on raw
    counts a few huge sessions dominate its coefficients. Only the leading dense columns are
    imputed (imputing the one-hot block too took twice as long).
    """
    dense = encoder.dense_count
    log_scaled = encoder.log_scaled_positions
    other_dense = [position for position in range(dense) if position not in log_scaled]
    linear_inputs = ColumnTransformer(
        [("log_scaled", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                      FunctionTransformer(log1p_nonnegative)), log_scaled),
         ("calendar", SimpleImputer(strategy="median"), other_dense)],
        remainder="passthrough",
    )
    return {
        REFERENCE_MODEL: xgb.XGBClassifier(**xgboost_params(labels, seed, **(xgboost_overrides or {}))),
        "xgboost_untuned": xgb.XGBClassifier(tree_method="hist", random_state=seed, n_jobs=2),
        "logistic_regression": make_pipeline(
            linear_inputs, StandardScaler(), LogisticRegression(max_iter=1000, class_weight="balanced"),
        ),
        "random_forest": RandomForestClassifier(
            n_estimators=RANDOM_FOREST_TREES, min_samples_leaf=20, max_depth=RANDOM_FOREST_MAX_DEPTH,
            class_weight="balanced_subsample", random_state=seed, n_jobs=2,
        ),
        "xgboost_parsimony": xgb.XGBClassifier(**xgboost_params(labels, seed)),
    }


def log1p_nonnegative(values: np.ndarray) -> np.ndarray:
    """log1p of counts and day gaps (never negative; clipped so a bad value cannot give NaN)."""
    return np.log1p(np.maximum(values, 0.0))


def model_columns(model_name: str, encoder: FeatureEncoder) -> list[int]:
    """Encoded column positions a model sees: all, or those of the parsimony features kept."""
    if model_name == "xgboost_parsimony":
        return encoder.positions_of(PARSIMONY_FEATURES)
    return list(range(len(encoder.feature_names)))


def model_features(encoded: np.ndarray, positions: list[int]) -> np.ndarray:
    """The encoded columns a model sees: the matrix itself when it sees them all, since a
    fancy-indexed copy of every column costs as much as the prediction of a small model."""
    return encoded if positions == list(range(encoded.shape[1])) else encoded[:, positions]


def fit_model(model, features: np.ndarray, labels: np.ndarray):
    """Fit; random forest and logistic regression cannot take NaN, so the pipeline imputes
    (logistic regression) or NaN is filled with -1 (random forest: days are never negative).

    BLAS runs on one thread: dbt runs another model beside this one on 2 cores, where threaded
    BLAS only waits (logistic regression at paper scale: 4.8 s on one thread, 6.4 s on two).
    XGBoost and the forest set their own thread counts.
    """
    if isinstance(model, RandomForestClassifier):
        features = np.nan_to_num(features, nan=-1.0)
    with threadpool_limits(limits=1, user_api="blas"):
        return model.fit(features, labels)


def predict_scores(model, features: np.ndarray) -> np.ndarray:
    if isinstance(model, RandomForestClassifier):
        return _forest_scores(model, np.nan_to_num(features, nan=-1.0))
    with threadpool_limits(limits=1, user_api="blas"):  # as in fit_model
        return model.predict_proba(features)[:, 1].astype(np.float64)


def _forest_scores(model: RandomForestClassifier, features: np.ndarray, workers: int = 2) -> np.ndarray:
    """Random forest scores, parallel over row chunks rather than trees: parallel trees add
    their votes in completion order, which changes the last bits from run to run, while each
    chunk here sums its trees in one fixed order (tree prediction releases the GIL)."""
    model.set_params(n_jobs=1)
    chunks = np.array_split(features, workers) if len(features) >= 10_000 else [features]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: model.predict_proba(chunk)[:, 1], chunks))
    return np.concatenate(parts).astype(np.float64)


def tune_xgboost(
    train_x: np.ndarray, train_y: np.ndarray, valid_x: np.ndarray, valid_y: np.ndarray,
    seed: int, trials: int,
) -> dict:
    """Seeded random search of XGBoost settings on the validation window, by PR AUC.

    Document 001 tunes a random forest on F1 with a grid; F1 depends on the threshold, which is
    tuned afterwards, so the threshold-free PR AUC ranks the candidates here.
    """
    rng = np.random.default_rng(seed)
    best, best_score = {}, -np.inf
    for _ in range(trials):
        candidate = {
            "max_depth": int(rng.integers(3, 9)),
            "learning_rate": float(rng.choice([0.03, 0.05, 0.08, 0.12])),
            "n_estimators": int(rng.choice([150, 300, 500])),
            "min_child_weight": float(rng.choice([1, 5, 20])),
            "subsample": float(rng.choice([0.7, 0.85, 1.0])),
        }
        model = xgb.XGBClassifier(**xgboost_params(train_y, seed, **candidate)).fit(train_x, train_y)
        score = average_precision_score(valid_y, model.predict_proba(valid_x)[:, 1])
        if score > best_score:
            best, best_score = candidate, score
    return best


# ---------------------------------------------------------------------------------------------
# Threshold and metrics
# ---------------------------------------------------------------------------------------------


def f1_optimal_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold t maximising F1 of (score >= t), searched over every distinct score."""
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    # the last precision/recall pair has no threshold
    return float(thresholds[int(np.argmax(f1[:-1]))])


def ranking_metrics(labels: np.ndarray, scores: np.ndarray) -> dict:
    """The threshold-free metrics: ROC AUC, PR AUC (average precision; None with one class) and
    Brier score, as scikit-learn computes them, from one sort of the scores (scikit-learn's
    functions sort and re-validate per metric, the bulk of the metrics model's time)."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if not len(labels):
        return {"roc_auc": None, "pr_auc": None, "brier": None}
    brier = float(np.mean((scores - labels) ** 2))
    if not 0 < labels.sum() < len(labels):
        return {"roc_auc": None, "pr_auc": None, "brier": brier}
    order = np.argsort(-scores, kind="mergesort")
    # cumulative true and false positives at each distinct score, highest first
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores[order])), len(labels) - 1]
    true_positives = np.cumsum(labels[order])[last_of_tie]
    false_positives = last_of_tie + 1 - true_positives
    tpr = np.r_[0.0, true_positives / true_positives[-1]]
    fpr = np.r_[0.0, false_positives / false_positives[-1]]
    precision = true_positives / (true_positives + false_positives)
    return {
        "roc_auc": float(np.trapezoid(tpr, fpr)),
        "pr_auc": float(np.sum(np.diff(tpr) * precision)),
        "brier": brier,
    }


def threshold_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Support, accuracy, precision, recall and F1 of (score >= threshold), from the confusion
    counts (0 where a ratio is undefined, as scikit-learn's zero_division=0)."""
    labels = np.asarray(labels, dtype=bool)
    predicted = np.asarray(scores) >= threshold
    true_positives = int(np.sum(labels & predicted))
    flagged, positives, rows = int(predicted.sum()), int(labels.sum()), len(labels)
    correct = rows - int(np.sum(labels != predicted))
    precision = true_positives / flagged if flagged else 0.0
    recall = true_positives / positives if positives else 0.0
    return {
        "rows": rows,
        "positives": positives,
        "predicted_positives": flagged,
        "threshold": float(threshold),
        "accuracy": correct / rows if rows else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": 2 * true_positives / (flagged + positives) if flagged + positives else 0.0,
    }


def classification_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Every metric of the metrics table for one model, slice and threshold."""
    return {**threshold_metrics(labels, scores, threshold), **ranking_metrics(labels, scores)}


# ---------------------------------------------------------------------------------------------
# Serialisation: models travel between dbt Python models as rows of a registry table
# ---------------------------------------------------------------------------------------------


def dump_model(model) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(blob: bytes):
    return pickle.loads(blob)  # only blobs this project wrote to its own warehouse


def encoder_from_json(text: str) -> FeatureEncoder:
    return FeatureEncoder.from_dict(json.loads(text))


# ---------------------------------------------------------------------------------------------
# Reading session_features from DuckDB without pulling the whole table into pandas
# ---------------------------------------------------------------------------------------------


def feature_columns(target: str) -> list[str]:
    if target not in TARGETS:
        raise PropensityInputError(f"propensity_target must be one of {TARGETS}, got {target!r}")
    return ["pseudo_session_id", "machine_id", "event_date", "domain_name",
            *MODEL_FEATURES, target]


def window_filter(domain: str | None, start: date | None, end: date | None) -> str:
    """SQL predicate for one domain (or all) and a [start, end) date window."""
    parts = ["true"]
    if domain is not None:
        parts.append(f"domain_name = {sql_literal(domain)}")
    if start is not None:
        parts.append(f"event_date >= cast({sql_literal(start)} as date)")
    if end is not None:
        parts.append(f"event_date < cast({sql_literal(end)} as date)")
    return " and ".join(parts)


def window_predicates(primary_domain: str, windows: SplitWindows) -> dict[str, str]:
    """SQL predicates of the primary domain's train, validation and test windows."""
    return {
        "train": window_filter(primary_domain, None, windows.validation_start),
        "validation": window_filter(primary_domain, windows.validation_start, windows.train_end),
        "test": window_filter(primary_domain, windows.train_end, None),
    }


def load_rows(relation, predicate: str, columns: list[str], max_rows: int | None, seed: int) -> pd.DataFrame:
    """Rows of a DuckDB relation matching a predicate, at most max_rows of them.

    The sample is deterministic: rows are ranked by a seeded hash of their key, so memory
    stays flat as the data grows and the same data and seed give the same sample.
    """
    selected = relation.filter(predicate).project(", ".join(columns))
    if max_rows:
        selected = selected.order(f"md5(pseudo_session_id || '{int(seed)}')").limit(int(max_rows))
    return selected.order("pseudo_session_id").df()


def iter_batches(relation, predicate: str, columns: list[str], batch_rows: int):
    """The matching rows in pseudo_session_id order as Arrow tables of exactly batch_rows (the
    last one shorter), for scoring in bounded memory.

    DuckDB's reader hands out chunks far smaller than asked for (~35K rows); each scoring call
    has a fixed cost, so chunks are gathered up to batch_rows first. Key order and fixed cuts
    put every row in the same batch at the same place every run: BLAS gives a logistic
    regression score last bits that depend on the row's place in the batch.
    """
    selected = relation.filter(predicate).project(", ".join(columns)).order("pseudo_session_id")
    reader = selected.to_arrow_reader(batch_rows)
    pending = pa.Table.from_batches([], schema=reader.schema)
    for chunk in reader:
        pending = pa.concat_tables([pending, pa.Table.from_batches([chunk])])
        while len(pending) >= batch_rows:
            yield pending.slice(0, batch_rows).combine_chunks()
            pending = pending.slice(batch_rows)
    if len(pending):
        yield pending.combine_chunks()


# ---------------------------------------------------------------------------------------------
# The training run behind propensity_model_registry
# ---------------------------------------------------------------------------------------------


def train_registry(
    features_relation, target: str, primary_domain: str, windows: SplitWindows,
    max_train_rows: int, seed: int, tune_trials: int = 0, pinned_champion: str | None = None,
) -> tuple[list[dict], xgb.Booster, dict]:
    """Fit every candidate on the fit window; on the validation window tune each threshold and
    choose the champion (shopper_propensity.champion).

    Returns the registry rows (one per candidate, simplest first, fitted model pickled), the
    reference XGBoost booster and the metadata of the JSON artifacts.
    """
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
    selection = select_champion(valid_y, validation_scores, seed, pinned_champion)

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
            "model_blob": dump_model(fitted[name]),
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
        "xgboost_params": fitted[REFERENCE_MODEL].get_params(),
        "xgboost_version": xgb.__version__,
        "seed": seed,
    }
    return rows, fitted[REFERENCE_MODEL].get_booster(), metadata


def registry_windows(registry: pd.DataFrame, from_vars: SplitWindows, primary_domain: str) -> SplitWindows:
    """The windows the registry's models were fitted and tuned on: the one source of truth for
    scoring and importance. Vars that say otherwise fail here rather than score silently with
    windows the models never saw."""
    fitted = SplitWindows(pd.Timestamp(registry["validation_start"].iloc[0]).date(),
                          pd.Timestamp(registry["train_end"].iloc[0]).date())
    fitted_domain = registry["primary_domain"].iloc[0]
    if fitted != from_vars or fitted_domain != primary_domain:
        raise PropensityInputError(
            f"propensity_model_registry was fitted on {fitted_domain} with validation from {fitted.validation_start} "
            f"and train_end {fitted.train_end}, but the vars now give {primary_domain}, validation from "
            f"{from_vars.validation_start} and train_end {from_vars.train_end}. Rebuild the registry with these "
            "vars (dbt build --select propensity_model_registry+) or run with the vars it was built with."
        )
    return fitted


def save_artifacts(booster: xgb.Booster, metadata: dict, artifact_dir: str) -> None:
    """XGBoost JSON plus a metadata file, so scores can be reproduced outside dbt."""
    folder = Path(artifact_dir)
    folder.mkdir(parents=True, exist_ok=True)
    booster.save_model(folder / "xgboost_propensity.json")
    (folder / "xgboost_propensity.metadata.json").write_text(json.dumps(metadata, indent=2, default=str))


# ---------------------------------------------------------------------------------------------
# Scoring, metrics and importance behind the other propensity models
# ---------------------------------------------------------------------------------------------

ALL_NON_PRIMARY = "all non-primary domains"
DEFAULT_THRESHOLD = 0.5


def registry_models(registry: pd.DataFrame) -> tuple[FeatureEncoder, list[tuple[str, object, list[int], float]]]:
    """The shared encoder and (name, fitted model, column positions, threshold) per registry row."""
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    models = [
        (row.model_name, load_model(bytes(row.model_blob)), json.loads(row.feature_positions), float(row.threshold))
        for row in registry.sort_values("model_name").itertuples()
    ]
    return encoder, models


def score_splits(features_relation, registry: pd.DataFrame, batch_rows: int) -> pa.RecordBatchReader:
    """Scores of every model on the validation window (primary domain) and on the test period
    (every domain, no retuning), batch by batch. One row per pseudo-session, split and model.

    Returned as a stream: batches are scored as the reader is consumed, so when DuckDB writes
    the table from it, memory holds one batch of features and scores, not every score (at 10x
    paper scale the scores alone would be ~150M rows).
    """
    target, primary_domain = registry["target"].iloc[0], registry["primary_domain"].iloc[0]
    windows = SplitWindows(pd.Timestamp(registry["validation_start"].iloc[0]).date(),
                           pd.Timestamp(registry["train_end"].iloc[0]).date())
    encoder, models = registry_models(registry)
    splits = {
        "validation": window_filter(primary_domain, windows.validation_start, windows.train_end),
        "test": window_filter(None, windows.train_end, None),
    }

    def scored_batches():
        for split, predicate in splits.items():
            for batch in iter_batches(features_relation, predicate, feature_columns(target), batch_rows):
                encoded = encoder.transform(batch.select(list(MODEL_FEATURES)).to_pandas())
                keys = {column: batch.column(column).cast(PREDICTION_SCHEMA.field(column).type).combine_chunks()
                        for column in PREDICTION_KEYS}
                actual = pc.cast(batch.column(target), pa.bool_()).combine_chunks()
                for name, model, positions, threshold in models:
                    scores = predict_scores(model, model_features(encoded, positions))
                    yield pa.RecordBatch.from_pydict({
                        **keys,
                        "split": pa.array([split] * len(batch), pa.string()),
                        "model_name": pa.array([name] * len(batch), pa.string()),
                        "actual": actual,
                        "score": pa.array(scores),
                        "is_predicted_positive": pa.array(scores >= threshold),
                    }, schema=PREDICTION_SCHEMA)

    return pa.RecordBatchReader.from_batches(PREDICTION_SCHEMA, scored_batches())


PREDICTION_KEYS = ("pseudo_session_id", "machine_id", "event_date", "domain_name")
PREDICTION_SCHEMA = pa.schema([
    ("pseudo_session_id", pa.string()), ("machine_id", pa.int64()), ("event_date", pa.date32()),
    ("domain_name", pa.string()), ("split", pa.string()), ("model_name", pa.string()),
    ("actual", pa.bool_()), ("score", pa.float64()), ("is_predicted_positive", pa.bool_()),
])


def metrics_table(predictions: pd.DataFrame, threshold: float, primary_domain: str) -> pd.DataFrame:
    """Metrics of one model's predictions per split and domain, plus all non-primary domains
    together (document 000 §7.5), at the tuned and at the default 0.5 threshold."""
    slices = [
        (split, domain, group)
        for (split, domain), group in predictions.groupby(["split", "domain_name"], sort=True, observed=True)
    ]
    others = predictions[(predictions["split"] == "test") & (predictions["domain_name"] != primary_domain)]
    if len(others):
        slices.append(("test", ALL_NON_PRIMARY, others))
    rows = []
    for split, domain, group in slices:
        labels, scores = group["actual"].to_numpy(dtype=int), group["score"].to_numpy()
        ranking = ranking_metrics(labels, scores)  # the same at both thresholds: computed once
        for kind, cut in (("tuned", threshold), ("default", DEFAULT_THRESHOLD)):
            rows.append({"split": split, "domain_name": domain, "threshold_kind": kind,
                         **threshold_metrics(labels, scores, cut), **ranking})
    return pd.DataFrame(rows)
