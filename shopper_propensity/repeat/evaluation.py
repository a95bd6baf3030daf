"""repeat_model_metrics: each forecast against what happened in the horizon, per model, cutoff and
domain group (every domain, and the non-primary domains pooled), wherever the horizon is in the
data: the ranking and calibration of P(a purchase) - ROC AUC, PR AUC, Brier score - and the
errors of the expected purchase days and spend (mean absolute and root mean squared error per
customer, and the totals). The ML candidates and the BG/NBD + Gamma-Gamma baseline side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopper_propensity.domain_groups import ALL_NON_PRIMARY
from shopper_propensity.metrics import ranking_metrics
from shopper_propensity.model_inputs import require_rows
from shopper_propensity.repeat.baseline import BASELINE
from shopper_propensity.repeat.features import BUYS, KEYS, PURCHASES, SPEND
from shopper_propensity.settings import RepeatSettings


def metrics_table(predictions_relation, labeled, registry_relation, settings: RepeatSettings) -> pd.DataFrame:
    """One row per model, cutoff role and domain group with observed outcomes."""
    require_rows(predictions_relation, "repeat_predictions")
    champion = registry_relation.filter("is_champion").project("model_name").fetchall()[0][0]
    outcomes = labeled.filter("is_horizon_observed").project(", ".join([*KEYS, BUYS, PURCHASES, SPEND]))
    rows = (predictions_relation.filter("purchase_probability is not null")
            .join(outcomes, ", ".join(KEYS))
            .order("cutoff_role, model_name, " + ", ".join(KEYS)).df())
    table = []
    for (role, model), forecasts in rows.groupby(["cutoff_role", "model_name"], sort=True):
        slices = [(domain, group) for domain, group in forecasts.groupby("domain_name", sort=True)]
        others = forecasts[forecasts["domain_name"] != settings.primary_domain]
        if len(others):
            slices.append((ALL_NON_PRIMARY, others))
        for domain_group, group in slices:
            table.append({
                "model_name": model,
                "model_kind": "probabilistic" if model == BASELINE else "machine_learning",
                "is_champion": model == champion,
                "cutoff_role": role,
                "cutoff_date": pd.Timestamp(group["cutoff_date"].iloc[0]).date(),
                "domain_group": domain_group,
                **forecast_errors(group),
            })
    return pd.DataFrame(table)


def forecast_errors(group: pd.DataFrame) -> dict:
    """The metrics of one slice of forecasts beside their outcomes."""
    buys = group[BUYS].to_numpy(dtype=float)
    probability = group["purchase_probability"].to_numpy(dtype=float)
    purchases, predicted_purchases = (group[PURCHASES].to_numpy(dtype=float),
                                      group["expected_purchase_days"].to_numpy(dtype=float))
    spend, predicted_spend = group[SPEND].to_numpy(dtype=float), group["expected_spend_usd"].to_numpy(dtype=float)
    # no spend forecast for part of the slice (a baseline without a finite mean spend): no spend errors
    has_spend = bool(np.isfinite(predicted_spend).all())
    return {
        "customers": len(group),
        "buyers": int(buys.sum()),
        "base_rate": float(buys.mean()),
        "mean_purchase_probability": float(probability.mean()),
        **ranking_metrics(buys, probability),
        "purchase_days_observed": int(purchases.sum()),
        "purchase_days_predicted": float(predicted_purchases.sum()),
        "purchase_days_mae": float(np.mean(np.abs(predicted_purchases - purchases))),
        "purchase_days_rmse": float(np.sqrt(np.mean((predicted_purchases - purchases) ** 2))),
        "spend_observed_usd": float(spend.sum()),
        "spend_predicted_usd": float(predicted_spend.sum()) if has_spend else None,
        "spend_mae_usd": float(np.mean(np.abs(predicted_spend - spend))) if has_spend else None,
        "spend_rmse_usd": float(np.sqrt(np.mean((predicted_spend - spend) ** 2))) if has_spend else None,
    }
