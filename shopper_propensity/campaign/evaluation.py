"""Evaluation against the generator's hidden intent (document 004 §4.2-4.3, Table 1 and Figure 3).

The only module of the package that reads the hidden truth (is_prompted, from
stg_panel_truth__campaign_intent); nothing here feeds a feature, a label or a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from shopper_propensity.campaign.outcomes import ENGAGED, TEST, UNENGAGED
from shopper_propensity.campaign.pipeline import empty_frame
from shopper_propensity.campaign.splc import BCE, LOSSES, SPLC
from shopper_propensity.metrics import binary_metrics
from shopper_propensity.settings import CampaignSettings
from shopper_propensity.sql_literals import sql_literal

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


def segment_metrics(scored: pd.DataFrame, settings: CampaignSettings) -> pd.DataFrame:
    """Document 004 Table 1 per evaluated population: the three RFM baselines and, for SPLC and
    plain BCE, the model segment (the top of each campaign's model order, sized like the
    baselines or by var campaign_target_share) and the model decision (stage-2 probability above its
    threshold), on precision, recall, balanced accuracy and weighted F1 of prompted-vs-not.

    Model rows carry the ROC AUC of their order. Each baseline row also carries the SPLC model
    segment of the same size in every campaign (splc_*_same_size): at equal size, more true
    positives is better on all four metrics, so that is the like-for-like comparison.
    `scored` comes from load_scored_test; empty (no exposures or no truth) gives an empty table.
    """
    if scored.empty:
        return empty_frame(SEGMENT_METRIC_COLUMNS)
    tau, target_share = settings.campaign_splc_tau, settings.campaign_target_share
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
