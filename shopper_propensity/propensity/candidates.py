"""The candidate propensity models (document 000 §7.3, §7.6): the seed's XGBoost (the reference),
XGBoost with its defaults, logistic regression, a bounded random forest and the 3-feature
parsimony XGBoost; how each is fitted and scores, and the optional seeded XGBoost search."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from shopper_propensity.logistic import pipeline_probabilities
from shopper_propensity.propensity.features import PARSIMONY_FEATURES, FeatureEncoder

REFERENCE_MODEL = "xgboost"  # the seed's model, reported beside the champion whatever is chosen


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
    if isinstance(model, Pipeline) and isinstance(model[-1], LogisticRegression):
        return pipeline_probabilities(model, features)
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
