"""Stage 1: a class-weighted multinomial softmax classifier (document 004's "single-layer neural
network": a linear layer and a softmax, trained on the weighted categorical cross entropy of
eq. 1 through sample weights) over the observed outcomes engaged / unengaged / inactive."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from shopper_propensity.campaign.outcomes import CLASSES, CampaignInputError

PROBABILITY_COLUMNS = tuple(f"p_{label}" for label in CLASSES)


def class_weights(labels: pd.Series | np.ndarray, classes: tuple[str, ...] = CLASSES) -> dict[str, float]:
    """w_c of eq. 1: N / (C * N_c), so every class carries the same total weight."""
    labels = np.asarray(labels)
    counts = {label: int((labels == label).sum()) for label in classes}
    missing = [label for label, count in counts.items() if count == 0]
    if missing:
        raise CampaignInputError(f"no training exposures labelled {missing}: stage 1 needs all of {list(classes)}")
    return {label: len(labels) / (len(classes) * count) for label, count in counts.items()}


def fit_stage1(features: pd.DataFrame, labels: pd.Series, seed: int, inverse_l2: float = 1.0) -> Pipeline:
    """Standardized features into a multinomial logistic layer, fitted on eq. 1's weighted loss.

    One BLAS thread: the matrices are small, and on a busy 2-core machine threaded BLAS made
    this fit 30x slower (17 s instead of 0.5 s on the default panel).
    """
    weights = class_weights(labels)
    sample_weight = np.asarray(labels.map(weights), dtype=float)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=inverse_l2, max_iter=5000, random_state=seed))
    with threadpool_limits(limits=1):
        return model.fit(features, np.asarray(labels), logisticregression__sample_weight=sample_weight)


def predict_stage1(model: Pipeline, features: pd.DataFrame) -> pd.DataFrame:
    """P(engaged), P(unengaged), P(inactive) per row, in that column order; rows sum to 1."""
    with threadpool_limits(limits=1):
        probabilities = model.predict_proba(features)
    order = [list(model.classes_).index(label) for label in CLASSES]
    return pd.DataFrame(probabilities[:, order], columns=list(PROBABILITY_COLUMNS), index=features.index)
