"""Feature importance of a fitted propensity model (document 000 §7.2, document 001).

Per session_features column a model sees: XGBoost total gain (its encoded columns summed;
NULL for other model families) and permutation importance on the validation window (mean drop
in ROC AUC when the column's values are shuffled, seeded). Ranks give tied values one shared
rank (1, 2, 2, 4), so equal importances are never ordered arbitrarily; rows are ordered by
rank, then by feature name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.candidates import model_features, predict_scores
from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.propensity.inputs import feature_columns, load_rows
from shopper_propensity.propensity.registry import registry_models
from shopper_propensity.propensity.splits import SplitWindows, registry_windows, window_filter
from shopper_propensity.settings import PropensitySettings


def _gain_by_feature(model, encoder: FeatureEncoder, positions: list[int]) -> pd.Series:
    """Total gain per session_features column; empty for models without boosted trees."""
    if not isinstance(model, xgb.XGBClassifier):
        return pd.Series(dtype=float)
    names = encoder.feature_names
    gains = pd.Series(model.get_booster().get_score(importance_type="total_gain"), dtype=float)
    # the booster numbers the columns it was given: f<i> is the model's i-th encoded column
    gains.index = [encoder.source_feature(names[positions[int(key[1:])]]) for key in gains.index]
    return gains.groupby(level=0).sum()


def _shared_rank(values: pd.Series) -> pd.Series:
    """1 = largest; equal values share the smallest rank of their tie; NULL stays NULL."""
    return values.rank(ascending=False, method="min").astype("Int64")


def feature_importance(
    model, positions: list[int], encoder: FeatureEncoder, validation: pd.DataFrame, target: str, seed: int,
    repeats: int = 3,
) -> pd.DataFrame:
    """Gain and permutation importance of every session_features column the model sees."""
    names = encoder.feature_names
    labels = validation[target].astype(int).to_numpy()
    encoded = encoder.transform(validation)
    baseline = roc_auc_score(labels, predict_scores(model, model_features(encoded, positions)))
    sources = np.array([encoder.source_feature(name) for name in names])
    seen = set(sources[positions])
    features = [feature for feature in (*encoder.numeric, *encoder.calendar, *encoder.categorical) if feature in seen]
    rng = np.random.default_rng(seed)
    drops = {}
    for feature in features:
        # encoding is row-wise, so shuffling a column's encoded block is shuffling the column
        block = np.flatnonzero(sources == feature)
        original = encoded[:, block].copy()
        trials = []
        for _ in range(repeats):
            encoded[:, block] = original[rng.permutation(len(original))]
            trials.append(baseline - roc_auc_score(labels, predict_scores(model, model_features(encoded, positions))))
        encoded[:, block] = original
        drops[feature] = float(np.mean(trials))

    gain = _gain_by_feature(model, encoder, positions)
    table = pd.DataFrame({
        "feature": features,
        "gain": [float(gain.get(feature, 0.0)) if len(gain) else np.nan for feature in features],
        "permutation_importance": [drops[feature] for feature in features],
    })
    total = table["gain"].sum()
    table["gain_share"] = table["gain"] / total if total > 0 else np.nan
    table["gain_rank"] = _shared_rank(table["gain"])
    table["permutation_rank"] = _shared_rank(table["permutation_importance"])
    order = "gain_rank" if len(gain) else "permutation_rank"
    return table.sort_values([order, "feature"]).reset_index(drop=True)


IMPORTANCE_SCHEMA = pa.schema([
    ("model_name", pa.string()), ("feature", pa.string()), ("gain", pa.float64()),
    ("permutation_importance", pa.float64()), ("gain_share", pa.float64()), ("gain_rank", pa.int64()),
    ("permutation_rank", pa.int64()),
])


def importance_table(registry_relation, features_relation, settings: PropensitySettings) -> pd.DataFrame | pa.Table:
    """propensity_feature_importance: feature_importance of the champion and of the reference
    XGBoost on a bounded seeded sample of the validation window the registry was tuned on."""
    if not settings.panel_has_sessions:
        return orders_only_table(IMPORTANCE_SCHEMA)
    registry = registry_relation.filter("is_champion or is_reference_model").df()
    require_rows(registry, "propensity_model_registry (champion and reference model)")
    windows = registry_windows(registry, SplitWindows.from_vars(settings.train_end, settings.validation_months),
                               settings.primary_domain)
    encoder, models = registry_models(registry, settings.artifact_dir)
    target = registry["target"].iloc[0]
    validation = load_rows(
        features_relation,
        window_filter(settings.primary_domain, windows.validation_start, windows.train_end),
        feature_columns(target),
        settings.importance_max_rows,
        settings.propensity_seed,
    )
    tables = []
    for name, fitted, positions, _ in models:
        table = feature_importance(fitted, positions, encoder, validation, target, settings.propensity_seed)
        table.insert(0, "model_name", name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
