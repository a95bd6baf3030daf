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
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from shopper_propensity.features import FeatureEncoder
from shopper_propensity.propensity import model_features, predict_scores


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
