"""The training run behind repeat_model_registry: every candidate family fitted on the customers
of the training cutoffs, scored on the validation cutoff, where the champion is chosen by the
rule the propensity models use (propensity.champion: validation PR AUC of "buys in the
horizon", the simpler candidate when validation cannot tell them apart). Nothing of the
validation or scored cutoffs' outcomes fits a model: their horizons start where the training
horizons end (int_repeat_cutoffs)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

from shopper_propensity.metrics import ranking_metrics
from shopper_propensity.model_inputs import require_rows
from shopper_propensity.propensity.champion import SELECTION_METRIC, complexity_rank, select_champion
from shopper_propensity.propensity.registry import save_version, stored_rows
from shopper_propensity.repeat.candidates import CANDIDATES, build_candidate
from shopper_propensity.repeat.features import (
    BUYS,
    PURCHASES,
    SPEND,
    RepeatInputError,
    fit_encoder,
    load_customers,
)
from shopper_propensity.settings import RepeatSettings

log = logging.getLogger(__name__)

ARTIFACT_FAMILY = "repeat"


def fit_registry(featurized, labeled, settings: RepeatSettings) -> pd.DataFrame:
    """repeat_model_registry: one row per candidate, simplest first, with its validation metrics,
    whether it is the champion and why, pointing at its fitted family, which the run stores as one
    version under var artifact_dir (`<artifact_dir>/repeat/<version_id>/`, propensity.registry)
    for repeat_predictions to load."""
    require_rows(featurized, "int_repeat_customers_featurized")
    training = load_customers(featurized, labeled, "training", settings.repeat_max_train_rows, settings.repeat_seed)
    validation = load_customers(featurized, labeled, "validation")
    _check_outcomes(training, "training", "the training cutoffs (var repeat_training_cutoffs)")
    _check_outcomes(validation, "validation", "the validation cutoff")
    encoder = fit_encoder(training)
    train_x, valid_x = encoder.transform(training), encoder.transform(validation)
    valid_y = validation[BUYS].to_numpy(dtype=bool)

    fitted, scores = {}, {}
    for name in CANDIDATES:
        model = build_candidate(name, encoder, settings.repeat_seed)
        fitted[name] = model.fit(train_x, training[BUYS].to_numpy(dtype=bool), training[PURCHASES].to_numpy(),
                                 training[SPEND].to_numpy())
        scores[name] = model.predict(valid_x)[0]
    selection = select_champion(valid_y, scores, settings.repeat_seed, settings.repeat_champion,
                                complexity_order=CANDIDATES, pin_var="repeat_champion")
    log.info("Repeat champion: %s", selection.reason[selection.champion])
    training_cutoffs = sorted({value.isoformat() for value in pd.to_datetime(training["cutoff_date"]).dt.date})
    rows = []
    for name in CANDIDATES:
        ranking = ranking_metrics(valid_y, scores[name])
        rows.append({
            "model_name": name,
            "is_champion": name == selection.champion,
            "complexity_rank": complexity_rank(name, CANDIDATES),
            "selection_metric": SELECTION_METRIC,
            "validation_pr_auc": selection.metric[name],
            "validation_roc_auc": ranking["roc_auc"],
            "validation_brier": ranking["brier"],
            "pr_auc_gap_to_best": selection.gap[name],
            "pr_auc_gap_interval_low": selection.gap_low[name],
            "pr_auc_gap_interval_high": selection.gap_high[name],
            "selection_reason": selection.reason[name],
            "encoder_json": json.dumps(encoder.to_dict()),
            "fit_rows": len(training),
            "fit_positives": int(training[BUYS].sum()),
            "validation_rows": len(validation),
            "validation_positives": int(valid_y.sum()),
            "training_cutoffs": ", ".join(training_cutoffs),
            "validation_cutoff": pd.to_datetime(validation["cutoff_date"]).dt.date.iloc[0],
            "horizon_days": settings.repeat_horizon_days,
        })
    metadata = {
        "champion": selection.champion,
        "champion_reason": selection.reason[selection.champion],
        "horizon_days": settings.repeat_horizon_days,
        "training_cutoffs": training_cutoffs,
        "validation_cutoff": rows[0]["validation_cutoff"].isoformat(),
        "fit_rows": len(training),
        "encoder": encoder.to_dict(),
        "seed": settings.repeat_seed,
    }
    stored = save_version(fitted, metadata, settings.artifact_dir, family=ARTIFACT_FAMILY)
    return stored_rows(rows, stored)


def _check_outcomes(customers: pd.DataFrame, role: str, what: str) -> None:
    """Customers with observed outcomes of both kinds, or an error saying which var to change."""
    if customers.empty:
        raise RepeatInputError(
            f"no customer has a purchase before {what}: the {role} cutoff lies before the panel's purchases; "
            "set var repeat_cutoff_date later, or var repeat_training_cutoffs / repeat_horizon_days lower"
        )
    if not customers["is_horizon_observed"].all():
        raise RepeatInputError(
            f"the horizon of {what} runs past the end of the data: set var repeat_cutoff_date earlier"
        )
    buys = customers[BUYS].to_numpy(dtype=bool)
    if not 0 < buys.sum() < len(buys):
        raise RepeatInputError(
            f"at {what} {int(buys.sum())} of {len(buys)} customers buy in the horizon: a model needs both "
            "buyers and non-buyers; change var repeat_horizon_days or the cutoffs"
        )
    if role == "training" and np.unique(customers["cutoff_date"]).size == 1:
        log.warning("Repeat models train on a single cutoff: set var repeat_training_cutoffs above 1 "
                    "for a rolling origin")
