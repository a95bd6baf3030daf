"""Per week and domain: the champion's realized ROC AUC, PR AUC and top-decile lift on its labelled
scored sessions (shopper_propensity.metrics). Incremental: while the model version is unchanged,
a run measures the weeks from the SQL layer's rebuilt dates on and keeps the rest."""

from shopper_propensity.propensity import monitoring
from shopper_propensity.settings import MonitoringSettings


def model(dbt, session):
    # append_slice (macros/incremental.sql): the rows appended, their slice logged for the data tests;
    # on_schema_change fail: a table of an older layout asks for --full-refresh (KeptTable.prepare)
    dbt.config(materialized="incremental", incremental_strategy="append_slice", unique_key="week_start",
               on_schema_change="fail")
    settings = MonitoringSettings.from_meta(dbt.config.get("meta"))
    kept = monitoring.kept_week_metrics(session, str(dbt.this)) if dbt.is_incremental else None
    return monitoring.score_week_metrics_table(dbt.ref("propensity_model_registry"), dbt.ref("propensity_predictions"),
                                               settings, kept)
