"""Metrics the models are judged by, apart from the models themselves (scikit-learn's split of
estimators from metrics): ranking metrics, threshold metrics, the F1-optimal threshold and
sampled silhouettes.

Each one is computed as scikit-learn computes it (tests pin them to scikit-learn), but from one
sort, one confusion count or one distance pass where scikit-learn would repeat the work per
metric, slice or k.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve
from threadpoolctl import threadpool_limits

# ---------------------------------------------------------------------------------------------
# Ranking metrics
# ---------------------------------------------------------------------------------------------


def score_ranking(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row order by descending score (stable) and the last position of each run of tied scores:
    the cut points every threshold-free metric is computed at."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="mergesort")
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores[order])), len(scores) - 1]
    return order, last_of_tie


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
    order, last_of_tie = score_ranking(scores)
    # cumulative true and false positives at each distinct score, highest first
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


def weighted_average_precision(labels: np.ndarray, order: np.ndarray, last_of_tie: np.ndarray,
                               weights: np.ndarray) -> float:
    """Average precision with row weights (e.g. bootstrap counts), tied scores taken together as
    scikit-learn's average_precision_score does; order and last_of_tie from score_ranking."""
    w = weights[order]
    true_positives, flagged = np.cumsum(w * labels[order]), np.cumsum(w)
    if len(last_of_tie) < len(order):  # without ties every position is a cut: no copy to take
        true_positives, flagged = true_positives[last_of_tie], flagged[last_of_tie]
    if true_positives[-1] <= 0:
        return float("nan")
    precision = np.divide(true_positives, flagged, out=np.zeros_like(true_positives), where=flagged > 0)
    return float(np.sum(np.diff(np.r_[0.0, true_positives]) * precision) / true_positives[-1])


def top_decile_lift(labels: np.ndarray, scores: np.ndarray, keys: np.ndarray) -> float | None:
    """Conversion rate of the top score decile over the base rate (None without positives). The
    top decile as lift_by_decile cuts it: ntile(10) over descending score, ties by key, i.e.
    the first ceil(N / 10) rows."""
    labels = np.asarray(labels, dtype=np.float64)
    positives = labels.sum()
    if not len(labels) or not positives:
        return None
    order = np.lexsort((np.asarray(keys), -np.asarray(scores, dtype=np.float64)))
    top = -(-len(labels) // 10)
    return float(labels[order[:top]].mean() / (positives / len(labels)))


# ---------------------------------------------------------------------------------------------
# Threshold metrics
# ---------------------------------------------------------------------------------------------


def confusion_counts(labels: np.ndarray, flagged: np.ndarray) -> tuple[int, int, int, int]:
    """True positives, false positives, false negatives, true negatives of a flag per row."""
    truth, flag = np.asarray(labels, dtype=bool), np.asarray(flagged, dtype=bool)
    return (int((truth & flag).sum()), int((~truth & flag).sum()),
            int((truth & ~flag).sum()), int((~truth & ~flag).sum()))


def threshold_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Support, accuracy, precision, recall and F1 of (score >= threshold), from the confusion
    counts (0 where a ratio is undefined, as scikit-learn's zero_division=0)."""
    tp, fp, fn, tn = confusion_counts(labels, np.asarray(scores) >= threshold)
    flagged, positives, rows = tp + fp, tp + fn, tp + fp + fn + tn
    return {
        "rows": rows,
        "positives": positives,
        "predicted_positives": flagged,
        "threshold": float(threshold),
        "accuracy": (tp + tn) / rows if rows else 0.0,
        "precision": tp / flagged if flagged else 0.0,
        "recall": tp / positives if positives else 0.0,
        "f1": 2 * tp / (flagged + positives) if flagged + positives else 0.0,
    }


def classification_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Every metric of the propensity metrics table for one model, slice and threshold."""
    return {**threshold_metrics(labels, scores, threshold), **ranking_metrics(labels, scores)}


def f1_optimal_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold t maximising F1 of (score >= t), searched over every distinct score."""
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    # the last precision/recall pair has no threshold
    return float(thresholds[int(np.argmax(f1[:-1]))])


def binary_metrics(labels: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Support, flags, precision, recall, balanced accuracy and support-weighted F1 of a flagged
    segment against binary labels (document 004 §4.2). Undefined ratios are NaN, not 0."""
    tp, fp, fn, tn = confusion_counts(labels, flagged)

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    def f1(correct: int, predicted: int, actual: int) -> float:
        return ratio(2 * correct, predicted + actual)

    positives, negatives = tp + fn, tn + fp
    recall, specificity = ratio(tp, positives), ratio(tn, negatives)
    weighted_f1 = ratio(
        positives * np.nan_to_num(f1(tp, tp + fp, positives)) + negatives * np.nan_to_num(f1(tn, tn + fn, negatives)),
        positives + negatives,
    )
    return {
        "users_evaluated": positives + negatives, "prompted_users": positives, "users_flagged": tp + fp,
        "true_positives": tp, "precision": ratio(tp, tp + fp), "recall": recall,
        "balanced_accuracy": (recall + specificity) / 2, "weighted_f1": weighted_f1,
    }


# ---------------------------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------------------------


def sampled_silhouettes(values: np.ndarray, label_sets: list[np.ndarray], sample_size: int, seed: int,
                        chunk_rows: int = 2_000) -> list[float]:
    """Mean silhouette of each labelling on one seeded sample of rows, as scikit-learn's
    silhouette_score(values, labels, sample_size=sample_size, random_state=seed) computes it.

    The sample's pairwise distances do not depend on the labelling, so they are computed once,
    a chunk of rows at a time, and every labelling's per-cluster distance sums come from one
    matrix product with the stacked one-hot labels: one pass instead of one per k.
    """
    rows = len(values)
    sample = np.random.RandomState(seed).permutation(rows)[:sample_size] if sample_size < rows else np.arange(rows)
    points = np.asarray(values, dtype=np.float64)[sample]
    codes = [np.unique(labels[sample], return_inverse=True)[1] for labels in label_sets]
    offsets = np.cumsum([0] + [code.max() + 1 for code in codes])
    one_hot = np.zeros((len(points), offsets[-1]))
    for code, offset in zip(codes, offsets[:-1], strict=True):
        one_hot[np.arange(len(points)), offset + code] = 1.0
    sums = np.empty_like(one_hot)
    squared = np.einsum("ij,ij->i", points, points)
    # one BLAS thread: dbt runs another model beside this one on 2 cores, where threads only wait
    with threadpool_limits(limits=1):
        for start in range(0, len(points), chunk_rows):
            chunk = slice(start, start + chunk_rows)
            distances = squared[chunk, None] + squared[None, :] - 2.0 * points[chunk] @ points.T
            sums[chunk] = np.sqrt(np.maximum(distances, 0.0)) @ one_hot
    scores = []
    for code, offset, end in zip(codes, offsets[:-1], offsets[1:], strict=True):
        sizes = np.bincount(code).astype(float)
        own = sums[np.arange(len(points)), offset + code]
        within = own / np.maximum(sizes[code] - 1, 1)
        means = sums[:, offset:end] / sizes
        means[np.arange(len(points)), code] = np.inf
        nearest = means.min(axis=1)
        silhouette = np.where(sizes[code] > 1, (nearest - within) / np.maximum(within, nearest), 0.0)
        scores.append(float(np.mean(silhouette)))
    return scores
