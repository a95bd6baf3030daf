"""Per week, domain and model feature of session_features (and the champion's score): the
population stability index against the training window the registry was fitted on (the score:
against the validation window), judged against var monitoring_max_psi, from the weekly counts of
ml_feature_bin_counts. Served as feature_drift."""

from shopper_propensity.propensity import drift
from shopper_propensity.settings import MonitoringSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = MonitoringSettings.from_meta(dbt.config.get("meta"))
    return drift.feature_drift_table(dbt.ref("propensity_model_registry"), dbt.ref("ml_feature_bin_counts"),
                                     settings)
