"""Two-stage campaign targeting with self-paced label correction (document 004 §3.2, §4.2-4.3).

Stage 1 is a class-weighted multinomial softmax classifier (document 004's "single-layer
neural network": a linear layer and a softmax, trained on the weighted categorical cross
entropy of eq. 1) over the observed campaign outcomes engaged / unengaged / inactive. Users it
predicts inactive (P(inactive) at or above a cut) are excluded from targeting. Stage 2 is a
binary XGBoost model of engaged (positive) versus unengaged (negative) trained with the
self-paced loss correction of eq. 4-5 as a custom objective: after a warm-up, a positive whose
predicted probability is at or below tau contributes the negative loss, so engaged users who
look like organic buyers stop pulling the "prompted" score up. A plain binary cross entropy
(BCE) model is trained beside it for comparison.

Pure functions on pandas/numpy; the dbt Python models in python_models/campaign/ read the
intermediate campaign tables, call these and return frames. Every random number generator is
seeded. Evaluation against the generator's hidden intent is in this module too, but the truth
never reaches a feature or a training label (the defaults of tau and the inactive cut were
chosen on validation campaigns - fit on 2021, evaluated on 2022 - never on the test campaigns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from shopper_propensity.sql_literals import sql_literal

ENGAGED, UNENGAGED, INACTIVE = "engaged", "unengaged", "inactive"
CLASSES = (ENGAGED, UNENGAGED, INACTIVE)
PROBABILITY_COLUMNS = tuple(f"p_{label}" for label in CLASSES)
SPLC, BCE = "splc", "bce"
LOSSES = (SPLC, BCE)

# Features of int_campaign_exposures_featurized, all from days strictly before the exposure.
COUNT_FEATURES = (
    "visit_days_total", "visit_days_30", "visit_days_90", "visit_days_365",
    "purchase_days_total", "purchase_days_30", "purchase_days_90", "purchase_days_365",
    "spend_total_usd", "spend_365_usd", "prior_exposures", "prior_engagements",
)
# NULL when there is nothing to measure (never visited, never bought, never engaged, ...):
# filled with NEVER_DAYS / 0 and flagged by a <column>_missing indicator.
DAYS_FEATURES = ("tenure_days", "days_since_last_visit", "days_since_last_purchase", "days_since_last_engagement")
RATE_FEATURES = ("avg_basket_spend_usd", "avg_pages_per_session", "avg_duration_minutes_per_session")
PROTECTED_ATTRIBUTES = ("racial_background", "zip_code")
NEVER_DAYS = 3650.0

TRAIN, TEST = "train", "test"


class CampaignInputError(ValueError):
    """The data cannot train a campaign model (e.g. a class is missing); raised readably."""


# ---------------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------------


@dataclass
class CampaignEncoder:
    """log1p counts, days and rates, missing indicators, and the exposure channel one-hot
    (levels from the training rows; an unseen channel gets all zeros)."""

    channels: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> CampaignEncoder:
        leaked = set(PROTECTED_ATTRIBUTES) & set(frame.columns)
        if leaked:
            raise CampaignInputError(f"protected attributes may not reach the campaign models: {sorted(leaked)}")
        return cls(sorted(frame["channel"].fillna("unknown").astype(str).unique()))

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, np.ndarray] = {}
        for column in COUNT_FEATURES:
            columns[column] = np.log1p(frame[column].astype(float).fillna(0.0).clip(lower=0).to_numpy())
        for column in DAYS_FEATURES:
            values = frame[column].astype(float)
            columns[f"{column}_missing"] = values.isna().to_numpy(dtype=float)
            columns[column] = np.log1p(values.fillna(NEVER_DAYS).clip(lower=0).to_numpy())
        for column in RATE_FEATURES:
            values = frame[column].astype(float)
            columns[f"{column}_missing"] = values.isna().to_numpy(dtype=float)
            columns[column] = np.log1p(values.fillna(0.0).clip(lower=0).to_numpy())
        channel = frame["channel"].fillna("unknown").astype(str).to_numpy()
        for level in self.channels:
            columns[f"channel_{level}"] = (channel == level).astype(float)
        return pd.DataFrame(columns, index=frame.index)


# ---------------------------------------------------------------------------------------------
# Stage 1: class-weighted softmax over engaged / unengaged / inactive (eq. 1)
# ---------------------------------------------------------------------------------------------


def class_weights(labels: pd.Series | np.ndarray, classes: tuple[str, ...] = CLASSES) -> dict[str, float]:
    """w_c of eq. 1: N / (C * N_c), so every class carries the same total weight."""
    labels = np.asarray(labels)
    counts = {label: int((labels == label).sum()) for label in classes}
    missing = [label for label, count in counts.items() if count == 0]
    if missing:
        raise CampaignInputError(f"no training exposures labelled {missing}: stage 1 needs all of {list(classes)}")
    return {label: len(labels) / (len(classes) * count) for label, count in counts.items()}


def weighted_cross_entropy(
    probabilities: np.ndarray, labels: np.ndarray, weights: dict[str, float], classes: tuple[str, ...] = CLASSES
) -> float:
    """L_CCE of eq. 1: -sum_i sum_c w_c y_ic log p_ic (rows of `probabilities` in `classes` order)."""
    index = np.array([classes.index(label) for label in labels])
    w = np.array([weights[label] for label in classes])[index]
    p = probabilities[np.arange(len(index)), index]
    return float(-(w * np.log(np.clip(p, 1e-15, 1.0))).sum())


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


# ---------------------------------------------------------------------------------------------
# Stage 2: engaged vs unengaged with self-paced loss correction (eq. 2-5)
# ---------------------------------------------------------------------------------------------


def sigmoid(margin: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(margin, -35.0, 35.0)))


def corrected_labels(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> np.ndarray:
    """Labels after self-paced correction: a positive with p <= tau counts as a negative (eq. 4).

    tau None is plain BCE: labels unchanged.
    """
    labels = np.asarray(labels, dtype=float)
    if tau is None:
        return labels
    return np.where((labels == 1) & (sigmoid(margin) <= tau), 0.0, labels)


def splc_loss(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> np.ndarray:
    """Per-user loss of eq. 5 (the negated bracket of eq. 2): -log p for a kept positive,
    -log(1 - p) for a negative or a positive corrected to negative. tau None is plain BCE."""
    p = sigmoid(margin)
    kept_positive = corrected_labels(margin, labels, tau) == 1
    return -np.where(kept_positive, np.log(p), np.log1p(-p))


def splc_grad_hess(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and hessian of splc_loss with respect to the logit x, p = sigmoid(x).

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
class Stage2Settings:
    """Stage-2 XGBoost settings; shallow and slow because training sets are small (thousands)."""

    rounds: int = 300
    max_depth: int = 3
    learning_rate: float = 0.05
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 5.0

    def params(self, seed: int) -> dict:
        return {
            "max_depth": self.max_depth, "eta": self.learning_rate, "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree, "min_child_weight": self.min_child_weight,
            # custom objective: the model outputs raw logits from 0 (p = 0.5); one thread is deterministic
            "base_score": 0.0, "tree_method": "hist", "nthread": 1, "seed": seed,
        }


def fit_stage2(
    features: pd.DataFrame, is_engaged: np.ndarray, loss: str, tau: float, warmup_rounds: int, seed: int,
    settings: Stage2Settings = Stage2Settings(),
) -> tuple[xgb.Booster, SelfPacedObjective]:
    """Engaged (1) vs unengaged (0) with the SPLC objective, or plain BCE when loss is 'bce'."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    labels = np.asarray(is_engaged, dtype=float)
    if np.unique(labels).size < 2:
        raise CampaignInputError("stage 2 needs both engaged and unengaged training exposures")
    objective = SelfPacedObjective(tau if loss == SPLC else None, warmup_rounds)
    data = xgb.DMatrix(features.to_numpy(dtype=float), label=labels, feature_names=list(features.columns))
    booster = xgb.train(settings.params(seed), data, settings.rounds, obj=objective)
    return booster, objective


def predict_stage2(booster: xgb.Booster, features: pd.DataFrame) -> np.ndarray:
    """P(prompted | responds): the stage-2 probability of the positive (engaged) class."""
    data = xgb.DMatrix(features.to_numpy(dtype=float), feature_names=list(features.columns))
    return sigmoid(booster.predict(data, output_margin=True).astype(float))


# ---------------------------------------------------------------------------------------------
# The two stages end to end
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSettings:
    """The dbt vars of the campaign models (defaults = dbt_project.yml)."""

    inactive_cut: float = 0.8
    tau: float = 0.4
    warmup_rounds: int = 50
    seed: int = 7


STAGE1_COLUMNS = ("machine_id", "campaign_id", "campaign_split", "campaign_label", *PROBABILITY_COLUMNS,
                  "predicted_label", "is_excluded")
STAGE2_COLUMNS = ("machine_id", "campaign_id", "loss", "stage2_probability", "prompted_score", "is_excluded", "tau")


def load_examples(featurized, labeled) -> pd.DataFrame:
    """Features joined to labels and split, one row per exposure, in (campaign_id, machine_id)
    order - the models depend on row order, and the same data must give the same scores."""
    labels = labeled.project("machine_id, campaign_id, campaign_label, campaign_split")
    return featurized.join(labels, "machine_id, campaign_id").order("campaign_id, machine_id").df()


def stage1_predictions(examples: pd.DataFrame, settings: CampaignSettings) -> pd.DataFrame:
    """Stage 1 fitted on the train split, applied to every exposure; P(inactive) >= the cut
    marks the exposure excluded from targeting."""
    if examples.empty:  # no campaign_exposures file: the campaign models are skipped
        return empty_frame(STAGE1_COLUMNS)
    train = examples[examples["campaign_split"] == TRAIN]
    if train.empty:
        raise CampaignInputError(
            "no campaign ends before var campaign_test_from: stage 1 has nothing to train on; "
            "set campaign_test_from after the first campaigns"
        )
    encoder = CampaignEncoder.fit(train)
    model = fit_stage1(encoder.transform(train), train["campaign_label"], settings.seed)
    probabilities = predict_stage1(model, encoder.transform(examples))
    out = examples[["machine_id", "campaign_id", "campaign_split", "campaign_label"]].copy()
    out[list(PROBABILITY_COLUMNS)] = probabilities
    out["predicted_label"] = np.asarray(CLASSES)[probabilities.to_numpy().argmax(axis=1)]
    out["is_excluded"] = out["p_inactive"] >= settings.inactive_cut
    return out.reset_index(drop=True)


def stage2_predictions(examples: pd.DataFrame, stage1: pd.DataFrame, settings: CampaignSettings) -> pd.DataFrame:
    """SPLC and plain-BCE stage-2 models, fitted on the train split's engaged and unengaged
    exposures, applied to every exposure.

    stage2_probability is P(prompted | responds). prompted_score, the targeting score, is the
    two-stage estimate P(responds) * P(prompted | responds) with P(responds) = 1 - P(inactive)
    of stage 1; it is NULL for exposures stage 1 excludes (P(inactive) >= the cut).
    """
    if examples.empty:
        return empty_frame(STAGE2_COLUMNS)
    train = examples[(examples["campaign_split"] == TRAIN) & (examples["campaign_label"] != INACTIVE)]
    keys = ["machine_id", "campaign_id"]
    stage1 = examples[keys].merge(stage1, on=keys, how="left", validate="one_to_one")
    encoder = CampaignEncoder.fit(train)
    train_features = encoder.transform(train)
    is_engaged = (train["campaign_label"] == ENGAGED).to_numpy()
    features = encoder.transform(examples)
    excluded = stage1["is_excluded"].fillna(True).to_numpy(dtype=bool)
    responds = 1.0 - stage1["p_inactive"].to_numpy(dtype=float)
    frames = []
    for loss in LOSSES:
        booster, _ = fit_stage2(train_features, is_engaged, loss, settings.tau, settings.warmup_rounds, settings.seed)
        probability = predict_stage2(booster, features)
        frames.append(pd.DataFrame({
            "machine_id": examples["machine_id"].to_numpy(),
            "campaign_id": examples["campaign_id"].to_numpy(),
            "loss": loss,
            "stage2_probability": probability,
            "prompted_score": np.where(excluded, np.nan, responds * probability),
            "is_excluded": excluded,
            "tau": settings.tau if loss == SPLC else np.nan,
        }))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Evaluation against the hidden intent (document 004 §4.2-4.3, Table 1 and Figure 3)
# ---------------------------------------------------------------------------------------------

RFM_BASELINES = ("Champions", "Loyal Customers", "Potential Loyalist")
BCE_DECISION_THRESHOLD = 0.5


@dataclass(frozen=True)
class Population:
    """Test exposures evaluated together, and the model order used among them."""

    labels: tuple[str, ...] | None  # observed campaign labels included; None = every exposure
    order_column: str  # rank column of int_campaign_scores_ranked
    uses_stage1_exclusion: bool  # whether the stage-1 exclusion applies to the model's flags


POPULATIONS = {
    # every exposed user, in targeting order (stage-1 exclusions last, then the two-stage score)
    "exposed": Population(None, "targeting_rank", True),
    # users who bought in the window, engaged or not: P(prompted | responds) orders them -
    # the setting of document 004 Table 1 (prompted vs organic among those who engaged)
    "responders": Population((ENGAGED, UNENGAGED), "stage2_rank", False),
    # users labelled engaged, about half of them organic buyers: the label-correction set
    "engaged": Population((ENGAGED,), "stage2_rank", False),
}
METRIC_COLUMNS = ("users_evaluated", "prompted_users", "users_flagged", "true_positives", "precision", "recall",
                  "balanced_accuracy", "weighted_f1")
SAME_SIZE_METRICS = ("true_positives", "precision", "recall", "balanced_accuracy", "weighted_f1")
SAME_SIZE_COLUMNS = tuple(f"splc_{metric}_same_size" for metric in SAME_SIZE_METRICS)
SEGMENT_METRIC_COLUMNS = ("evaluated_population", "segment", "loss", *METRIC_COLUMNS, "score_auc",
                          *SAME_SIZE_COLUMNS)
GAIN_COLUMNS = ("evaluated_population", "loss", "targeted_percent", "targeted_share", "users_targeted",
                "users_evaluated", "prompted_users", "prompted_captured", "cumulative_gain", "random_gain",
                "perfect_gain")
LOSS_NAMES = {SPLC: "SPLC", BCE: "plain BCE"}


def load_scored_test(ranked, featurized, truth) -> pd.DataFrame:
    """Test-split scores of both losses with the RFM segment at exposure and the hidden truth;
    exposures without a truth row are left out (inner join)."""
    segments = featurized.project("machine_id, campaign_id, rfm_segment")
    intent = truth.project("machine_id, campaign_id, is_prompted")
    return (
        ranked.filter(f"campaign_split = {sql_literal(TEST)}")
        .project("machine_id, campaign_id, loss, campaign_label, is_excluded, stage2_probability, "
                 "targeting_rank, stage2_rank")
        .join(segments, "machine_id, campaign_id")
        .join(intent, "machine_id, campaign_id")
        .order("loss, campaign_id, machine_id")
        .df()
    )


def binary_metrics(is_prompted: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Precision, recall, balanced accuracy and support-weighted F1 of a flagged segment against
    the binary prompted truth (document 004 §4.2). Undefined ratios are NaN, not 0."""
    truth, flag = np.asarray(is_prompted, dtype=bool), np.asarray(flagged, dtype=bool)
    tp, fp = int((truth & flag).sum()), int((~truth & flag).sum())
    fn, tn = int((truth & ~flag).sum()), int((~truth & ~flag).sum())

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


def ordered_population(scored: pd.DataFrame, loss: str, population: Population) -> pd.DataFrame:
    """One loss's exposures of the population in each campaign's model order, with the position
    in that order and the campaign's population size."""
    rows = scored[scored["loss"] == loss]
    if population.labels is not None:
        rows = rows[rows["campaign_label"].isin(population.labels)]
    rows = rows.sort_values(["campaign_id", population.order_column]).reset_index(drop=True)
    rows["position"] = rows.groupby("campaign_id").cumcount() + 1
    rows["campaign_users"] = rows.groupby("campaign_id")["machine_id"].transform("size")
    return rows


def top_of_each_campaign(rows: pd.DataFrame, per_campaign: pd.Series) -> np.ndarray:
    """Flags the first `per_campaign[c]` exposures of each campaign c in model order."""
    return (rows["position"] <= rows["campaign_id"].map(per_campaign)).to_numpy()


def model_segment_sizes(rows: pd.DataFrame, target_share: float | None) -> pd.Series:
    """Users the model segment flags per campaign: the share asked for (rounded up), or by
    default the mean size of the three RFM baseline segments in that campaign and population."""
    campaigns = rows.groupby("campaign_id")
    if target_share is not None:
        return np.ceil(campaigns["machine_id"].size() * float(target_share)).astype(int)
    in_baselines = rows["rfm_segment"].isin(RFM_BASELINES).groupby(rows["campaign_id"]).sum()
    return (in_baselines / len(RFM_BASELINES)).round().astype(int)


def _model_decisions(rows: pd.DataFrame, loss: str, tau: float, population: Population) -> np.ndarray:
    """The model's own flag: stage-2 probability above tau for SPLC (a positive it would not
    correct), above 0.5 for BCE; and, when the population is every exposure, not excluded."""
    threshold = tau if loss == SPLC else BCE_DECISION_THRESHOLD
    flagged = rows["stage2_probability"].to_numpy() > threshold
    if population.uses_stage1_exclusion:
        flagged &= ~rows["is_excluded"].to_numpy(dtype=bool)
    return flagged


def _order_auc(rows: pd.DataFrame) -> float:
    """ROC AUC of the model order pooled over campaigns (a row scores by its relative position
    in its campaign, earlier = more likely prompted); NaN with one class only."""
    truth = rows["is_prompted"].to_numpy(dtype=bool)
    if truth.all() or not truth.any():
        return float("nan")
    return float(roc_auc_score(truth, -(rows["position"] / rows["campaign_users"]).to_numpy()))


def segment_metrics(scored: pd.DataFrame, tau: float, target_share: float | None = None) -> pd.DataFrame:
    """Document 004 Table 1 per evaluated population: the three RFM baselines and, for SPLC and
    plain BCE, the model segment (the top of each campaign's model order, sized like the
    baselines or by `target_share`) and the model decision (stage-2 probability above its
    threshold), on precision, recall, balanced accuracy and weighted F1 of prompted-vs-not.

    Model rows carry the ROC AUC of their order. Each baseline row also carries the SPLC model
    segment of the same size in every campaign (splc_*_same_size): at equal size, more true
    positives is better on all four metrics, so that is the like-for-like comparison.
    `scored` comes from load_scored_test; empty (no exposures or no truth) gives an empty table.
    """
    if scored.empty:
        return empty_frame(SEGMENT_METRIC_COLUMNS)
    rows = []
    for name, population in POPULATIONS.items():
        splc_rows = ordered_population(scored, SPLC, population)
        if splc_rows.empty:
            continue
        for segment in RFM_BASELINES:
            flagged = splc_rows["rfm_segment"].eq(segment).to_numpy()
            same_size = top_of_each_campaign(splc_rows, pd.Series(flagged).groupby(splc_rows["campaign_id"]).sum())
            model = binary_metrics(splc_rows["is_prompted"], same_size)
            rows.append({
                "evaluated_population": name, "segment": f"{segment} (RFM)", "loss": None,
                **binary_metrics(splc_rows["is_prompted"], flagged),
                **{f"splc_{metric}_same_size": model[metric] for metric in SAME_SIZE_METRICS},
            })
        for loss in LOSSES:
            members = ordered_population(scored, loss, population)
            auc = _order_auc(members)
            flags = {
                "segment": top_of_each_campaign(members, model_segment_sizes(members, target_share)),
                "decision": _model_decisions(members, loss, tau, population),
            }
            for kind, flagged in flags.items():
                rows.append({
                    "evaluated_population": name, "segment": f"Model {kind} ({LOSS_NAMES[loss]})", "loss": loss,
                    **binary_metrics(members["is_prompted"], flagged), "score_auc": auc,
                })
    return pd.DataFrame(rows, columns=list(SEGMENT_METRIC_COLUMNS))


def gain_curve(scored: pd.DataFrame) -> pd.DataFrame:
    """Document 004 Figure 3: for 1%..100% of each population targeted in model order (per
    campaign, the top ceil(p * N_c)), the share of truly prompted users captured, pooled over
    the test campaigns; with the random and perfect-model references. Empty in, empty out."""
    if scored.empty:
        return empty_frame(GAIN_COLUMNS)
    percents = np.arange(1, 101)
    frames = []
    for name, population in POPULATIONS.items():
        for loss in LOSSES:
            members = ordered_population(scored, loss, population)
            if members.empty:
                continue
            # position <= ceil(p * N / 100)  <=>  p >= 100 * (position - 1) // N + 1
            first_percent = 100 * (members["position"].to_numpy() - 1) // members["campaign_users"].to_numpy() + 1
            is_prompted = members["is_prompted"].to_numpy(dtype=bool)
            targeted = np.cumsum(np.bincount(first_percent, minlength=101)[1:])
            captured = np.cumsum(np.bincount(first_percent, weights=is_prompted, minlength=101)[1:]).astype(int)
            campaigns = members.groupby("campaign_id").agg(users=("campaign_users", "first"),
                                                           prompted=("is_prompted", "sum"))
            cutoffs = np.ceil(np.outer(percents, campaigns["users"].to_numpy()) / 100.0)
            best = np.minimum(cutoffs, campaigns["prompted"].to_numpy()).sum(axis=1)
            prompted = int(is_prompted.sum())
            frames.append(pd.DataFrame({
                "evaluated_population": name, "loss": loss, "targeted_percent": percents,
                "targeted_share": percents / 100.0, "users_targeted": targeted, "users_evaluated": len(members),
                "prompted_users": prompted, "prompted_captured": captured,
                "cumulative_gain": captured / prompted if prompted else np.nan,
                "random_gain": targeted / len(members),
                "perfect_gain": best / prompted if prompted else np.nan,
            }))
    return pd.concat(frames, ignore_index=True).loc[:, list(GAIN_COLUMNS)]


def empty_frame(columns) -> pd.DataFrame:
    """A typed empty frame, so DuckDB can create the table when there is nothing to score."""
    text = {"campaign_id", "campaign_split", "campaign_label", "predicted_label", "loss", "segment",
            "evaluated_population"}
    integers = {"machine_id", "users_evaluated", "prompted_users", "users_flagged", "true_positives",
                "targeted_percent", "users_targeted", "prompted_captured"}

    def dtype(column: str) -> str:
        if column in text:
            return "string"
        if column in integers:
            return "int64"
        return "bool" if column.startswith("is_") else "float64"

    return pd.DataFrame({column: pd.Series(dtype=dtype(column)) for column in columns})
