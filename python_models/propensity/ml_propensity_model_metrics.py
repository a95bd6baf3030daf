"""ROC AUC, PR AUC, accuracy, precision, recall, F1, Brier, support and threshold per model,
domain (and all non-primary domains together) and split, at the tuned and the default threshold."""

from shopper_propensity.propensity import evaluation
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    return evaluation.model_metrics(dbt.ref("propensity_model_registry"), dbt.ref("propensity_predictions"), settings)
