"""The two stages end to end, as campaign_stage1_predictions and campaign_stage2_predictions run
them: fitted on the train campaigns, applied to every exposure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopper_propensity.campaign.features import CampaignEncoder
from shopper_propensity.campaign.outcomes import CLASSES, ENGAGED, INACTIVE, TRAIN, CampaignInputError
from shopper_propensity.campaign.splc import LOSSES, SPLC, fit_stage2, predict_stage2
from shopper_propensity.campaign.stage1 import PROBABILITY_COLUMNS, fit_stage1, predict_stage1
from shopper_propensity.settings import CampaignSettings

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
    model = fit_stage1(encoder.transform(train), train["campaign_label"], settings.campaign_seed)
    probabilities = predict_stage1(model, encoder.transform(examples))
    out = examples[["machine_id", "campaign_id", "campaign_split", "campaign_label"]].copy()
    out[list(PROBABILITY_COLUMNS)] = probabilities
    out["predicted_label"] = np.asarray(CLASSES)[probabilities.to_numpy().argmax(axis=1)]
    out["is_excluded"] = out["p_inactive"] >= settings.campaign_inactive_cut
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
        booster, _ = fit_stage2(train_features, is_engaged, loss, settings.campaign_splc_tau,
                                settings.campaign_splc_warmup_rounds, settings.campaign_seed)
        probability = predict_stage2(booster, features)
        frames.append(pd.DataFrame({
            "machine_id": examples["machine_id"].to_numpy(),
            "campaign_id": examples["campaign_id"].to_numpy(),
            "loss": loss,
            "stage2_probability": probability,
            "prompted_score": np.where(excluded, np.nan, responds * probability),
            "is_excluded": excluded,
            "tau": settings.campaign_splc_tau if loss == SPLC else np.nan,
        }))
    return pd.concat(frames, ignore_index=True)


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
