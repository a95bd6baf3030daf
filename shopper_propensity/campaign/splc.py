"""Stage 2: engaged (positive) vs unengaged (negative) with the self-paced loss correction of
document 004 eq. 4-5 as an XGBoost custom objective: after a warm-up, a positive whose predicted
probability is at or below tau contributes the negative loss, so engaged users who look like
organic buyers stop pulling the "prompted" score up. Plain binary cross entropy (BCE) is the
same booster without the correction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

from shopper_propensity.campaign.outcomes import CampaignInputError
from shopper_propensity.logistic import sigmoid

SPLC, BCE = "splc", "bce"
LOSSES = (SPLC, BCE)


def corrected_labels(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> np.ndarray:
    """Labels after self-paced correction: a positive with p <= tau counts as a negative (eq. 4).

    tau None is plain BCE: labels unchanged.
    """
    labels = np.asarray(labels, dtype=float)
    if tau is None:
        return labels
    return np.where((labels == 1) & (sigmoid(margin) <= tau), 0.0, labels)


def splc_grad_hess(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and hessian, with respect to the logit x (p = sigmoid(x)), of the per-user loss
    of eq. 5 (the negated bracket of eq. 2): -log p for a kept positive, -log(1 - p) for a
    negative or a positive corrected to negative; tau None is plain BCE.

    Away from p = tau the indicator of eq. 5 is constant, so the loss is BCE against the
    corrected label: d/dx = p - y', d2/dx2 = p (1 - p). The indicator is held fixed at each
    boosting round, the self-paced scheme of document 004's reference [45].
    """
    p = sigmoid(margin)
    return p - corrected_labels(margin, labels, tau), p * (1.0 - p)


class SelfPacedObjective:
    """XGBoost custom objective: BCE for the first `warmup_rounds`, then SPLC with `tau`.

    The warm-up lets the model see the data before it starts trusting its own predictions
    to correct labels (with no warm-up every positive starts at p = 0.5 and tau decides at
    once). Counts the positives corrected at each round in `corrected_per_round`.
    """

    def __init__(self, tau: float | None, warmup_rounds: int = 0, min_hessian: float = 1e-6):
        self.tau = tau
        self.warmup_rounds = warmup_rounds
        self.min_hessian = min_hessian
        self.rounds = 0
        self.corrected_per_round: list[int] = []

    def __call__(self, margin: np.ndarray, data: xgb.DMatrix) -> tuple[np.ndarray, np.ndarray]:
        labels = data.get_label()
        tau = self.tau if self.rounds >= self.warmup_rounds else None
        self.rounds += 1
        self.corrected_per_round.append(int((corrected_labels(margin, labels, tau) != labels).sum()))
        grad, hess = splc_grad_hess(margin, labels, tau)
        return grad, np.maximum(hess, self.min_hessian)


@dataclass(frozen=True)
class Stage2Params:
    """Stage-2 XGBoost parameters; shallow and slow because training sets are small (thousands)."""

    rounds: int = 300
    max_depth: int = 3
    learning_rate: float = 0.05
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 5.0

    def booster_params(self, seed: int) -> dict:
        return {
            "max_depth": self.max_depth, "eta": self.learning_rate, "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree, "min_child_weight": self.min_child_weight,
            # custom objective: the model outputs raw logits from 0 (p = 0.5); one thread is deterministic
            "base_score": 0.0, "tree_method": "hist", "nthread": 1, "seed": seed,
        }


def fit_stage2(
    features: pd.DataFrame, is_engaged: np.ndarray, loss: str, tau: float, warmup_rounds: int, seed: int,
    params: Stage2Params = Stage2Params(),
) -> tuple[xgb.Booster, SelfPacedObjective]:
    """Engaged (1) vs unengaged (0) with the SPLC objective, or plain BCE when loss is 'bce'."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    labels = np.asarray(is_engaged, dtype=float)
    if np.unique(labels).size < 2:
        raise CampaignInputError("stage 2 needs both engaged and unengaged training exposures")
    objective = SelfPacedObjective(tau if loss == SPLC else None, warmup_rounds)
    data = xgb.DMatrix(features.to_numpy(dtype=float), label=labels, feature_names=list(features.columns))
    booster = xgb.train(params.booster_params(seed), data, params.rounds, obj=objective)
    return booster, objective


def predict_stage2(booster: xgb.Booster, features: pd.DataFrame) -> np.ndarray:
    """P(prompted | responds): the stage-2 probability of the positive (engaged) class."""
    data = xgb.DMatrix(features.to_numpy(dtype=float), feature_names=list(features.columns))
    return sigmoid(booster.predict(data, output_margin=True).astype(float))
