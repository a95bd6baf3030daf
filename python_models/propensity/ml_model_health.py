"""Model-health checks of the propensity models, one row per check and subject, each with its
numbers: validation AUC near chance, thresholds that flag most sessions, base-rate shift
between windows, empty or constant features, too few positives, unseen levels."""

from shopper_propensity.propensity import model_health
from shopper_propensity.settings import HealthSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = HealthSettings.from_meta(dbt.config.get("meta"))
    return model_health.health_table(
        dbt.ref("propensity_model_registry"),
        dbt.ref("ml_propensity_model_metrics"),
        dbt.ref("session_features"),
        settings,
    )
