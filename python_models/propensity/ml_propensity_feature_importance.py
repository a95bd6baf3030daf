"""Per feature of the champion and of the reference XGBoost: gain (XGBoost only) and permutation
importance on the validation window (document 000 §7.2, document 001)."""

from shopper_propensity.propensity import importance
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    return importance.importance_table(dbt.ref("propensity_model_registry"), dbt.ref("session_features"), settings)
