"""Per week and domain: the champion's realized ranking metrics (ml_score_week_metrics) against its
validation ROC AUC, judged with this run's var monitoring_max_roc_auc_drop. Served, with the
score's PSI, as score_monitoring."""

from shopper_propensity.propensity import monitoring
from shopper_propensity.settings import MonitoringSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = MonitoringSettings.from_meta(dbt.config.get("meta"))
    return monitoring.score_monitoring_table(dbt.ref("propensity_model_registry"), dbt.ref("ml_score_week_metrics"),
                                             settings)
