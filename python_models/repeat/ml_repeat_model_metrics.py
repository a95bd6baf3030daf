"""The repeat-purchase forecasts against what happened (served as the mart repeat_model_metrics):
ROC AUC, PR AUC and Brier score of P(a purchase in the horizon), errors of expected purchase days
and spend, per model, cutoff and domain group - the ML candidates and BG/NBD + Gamma-Gamma side
by side."""

from shopper_propensity.repeat import evaluation
from shopper_propensity.settings import RepeatSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = RepeatSettings.from_meta(dbt.config.get("meta"))
    return evaluation.metrics_table(
        dbt.ref("repeat_predictions"),
        dbt.ref("int_repeat_customers_labeled"),
        dbt.ref("repeat_model_registry"),
        settings,
    )
