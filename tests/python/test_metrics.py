"""The shared metrics (shopper_propensity.metrics) by hand and against scikit-learn: threshold and
ranking metrics with ties, the F1-optimal threshold, weighted average precision, the campaign
segments' binary metrics and one-pass sampled silhouettes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
    silhouette_score,
)

from shopper_propensity import metrics
from shopper_propensity.personas.segmentation import fit_kmeans


def test_threshold_search_returns_the_f1_maximum():
    labels = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    threshold = metrics.f1_optimal_threshold(labels, scores)
    # by hand: t=0.3 flags 6 rows (4 TP, 2 FP) -> F1 = 8/10 = 0.8, the best of all cuts
    assert threshold == pytest.approx(0.3)
    best = max(
        metrics.classification_metrics(labels, scores, t)["f1"] for t in np.unique(scores)
    )
    assert metrics.classification_metrics(labels, scores, threshold)["f1"] == pytest.approx(best) == pytest.approx(0.8)


def test_metrics_by_hand():
    labels = np.array([1, 0, 1, 0])
    scores = np.array([0.9, 0.6, 0.4, 0.1])
    result = metrics.classification_metrics(labels, scores, 0.5)
    assert result["precision"] == 0.5 and result["recall"] == 0.5 and result["accuracy"] == 0.5
    assert result["roc_auc"] == pytest.approx(0.75)
    assert result["brier"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)


def test_threshold_metrics_match_scikit_learn():
    rng = np.random.default_rng(3)
    labels = rng.random(500) < 0.1
    scores = np.clip(rng.random(500) * 0.5 + labels * 0.3, 0, 1)
    for cut in (0.2, 0.5, 0.95):
        result = metrics.threshold_metrics(labels, scores, cut)
        predicted = scores >= cut
        assert result["accuracy"] == pytest.approx(accuracy_score(labels, predicted))
        assert result["precision"] == pytest.approx(precision_score(labels, predicted, zero_division=0))
        assert result["recall"] == pytest.approx(recall_score(labels, predicted, zero_division=0))
        assert result["f1"] == pytest.approx(f1_score(labels, predicted, zero_division=0))


@pytest.mark.parametrize("decimals", [2, 12])
def test_ranking_metrics_match_scikit_learn(decimals):
    # two decimals make many tied scores, which both metrics must handle as scikit-learn does
    rng = np.random.default_rng(4)
    labels = rng.random(2000) < 0.15
    scores = np.round(np.clip(rng.random(2000) * 0.6 + labels * 0.25, 0, 1), decimals)
    result = metrics.ranking_metrics(labels, scores)
    assert result["roc_auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert result["pr_auc"] == pytest.approx(average_precision_score(labels, scores), abs=1e-12)
    assert result["brier"] == pytest.approx(brier_score_loss(labels, scores), abs=1e-12)
    assert metrics.ranking_metrics(np.zeros(5), scores[:5])["roc_auc"] is None


def test_weighted_average_precision_equals_scikit_learn_with_unit_weights():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-(signal * 1.5 - 2)))).astype(int)
    scores = np.round(signal + rng.normal(size=len(signal)), 1)  # many ties
    order, last_of_tie = metrics.score_ranking(scores)
    ours = metrics.weighted_average_precision(labels.astype(float), order, last_of_tie, np.ones(len(scores)))
    assert ours == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(4)
    truth, flagged = rng.random(500) < 0.1, rng.random(500) < 0.2
    result = metrics.binary_metrics(truth, flagged)
    assert result["precision"] == pytest.approx(precision_score(truth, flagged))
    assert result["recall"] == pytest.approx(recall_score(truth, flagged))
    assert result["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(truth, flagged))
    assert result["weighted_f1"] == pytest.approx(f1_score(truth, flagged, average="weighted"))
    assert np.isnan(metrics.binary_metrics(truth, np.zeros(500, bool))["precision"])


@pytest.mark.parametrize("sample_size", [300, 5_000])
def test_one_pass_silhouettes_equal_scikit_learn(sample_size):
    rng = np.random.default_rng(5)
    values = np.vstack([rng.normal(center, 1.0, (400, 3)) for center in (0, 4, 8)])
    label_sets = [fit_kmeans(values, k, seed=1).labels_ for k in (2, 3, 5)]
    label_sets.append(np.where(np.arange(len(values)) == 0, 9, label_sets[0]))  # a singleton cluster
    ours = metrics.sampled_silhouettes(values, label_sets, sample_size, seed=11)
    reference = [silhouette_score(values, labels, sample_size=sample_size if sample_size < len(values) else None,
                                  random_state=11) for labels in label_sets]
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
