"""The logistic function, shared by the panel generator and the campaign model, and the
probabilities of a fitted logistic-regression pipeline computed row by row."""

from __future__ import annotations

import numpy as np

# exp overflows beyond ~709; past +-35 the result is 0 or 1 to double precision anyway
_CLIP = 35.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), elementwise, without overflow warnings for large |x|."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -_CLIP, _CLIP)))


def pipeline_probabilities(pipeline, features: np.ndarray) -> np.ndarray:
    """P(positive) of a fitted scikit-learn pipeline ending in a binary LogisticRegression.

    predict_proba's matrix product goes through BLAS, whose blocking makes a row's last bits
    depend on the number of rows beside it and on the thread count; so a score changed with the
    scoring batch and with what else the process ran. Here the steps run in float64 and each row's
    dot product is its own (einsum, no BLAS): the same row always gets the same score.
    """
    *steps, (_, estimator) = pipeline.steps
    transformed = features.astype(np.float64)
    for _, step in steps:
        transformed = step.transform(transformed)
    logits = np.einsum("ij,j->i", np.asarray(transformed, dtype=np.float64), estimator.coef_[0])
    return sigmoid(logits + estimator.intercept_[0])
