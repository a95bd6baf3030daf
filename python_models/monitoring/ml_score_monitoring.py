"""Per week and domain: the champion's realized ROC AUC, PR AUC and top-decile lift on its labelled
scored sessions (shopper_propensity.metrics), against its validation ROC AUC. Served, with the
score's PSI, as score_monitoring."""

from shopper_propensity.propensity import monitoring
from shopper_propensity.settings import MonitoringSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = MonitoringSettings.from_meta(dbt.config.get("meta"))
    return monitoring.score_monitoring_table(dbt.ref("propensity_model_registry"), dbt.ref("propensity_predictions"),
                                             settings)
