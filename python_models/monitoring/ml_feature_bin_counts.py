"""Rows per week, domain, monitored feature of session_features (and the champion's score) and
bin: the counts behind feature_drift. Incremental: while the bins are unchanged, a run counts the
weeks from the SQL layer's rebuilt dates on and keeps the rest (propensity.drift)."""

from shopper_propensity.propensity import drift
from shopper_propensity.settings import MonitoringSettings


def model(dbt, session):
    # append_slice (macros/incremental.sql): the rows appended, their slice logged for the data tests;
    # on_schema_change fail: a table of an older layout asks for --full-refresh (KeptTable.prepare)
    dbt.config(materialized="incremental", incremental_strategy="append_slice", unique_key="week_start",
               on_schema_change="fail")
    settings = MonitoringSettings.from_meta(dbt.config.get("meta"))
    kept = drift.kept_bin_counts(session, str(dbt.this)) if dbt.is_incremental else None
    return drift.feature_bin_counts(dbt.ref("propensity_model_registry"), dbt.ref("session_features"),
                                    dbt.ref("propensity_predictions"), settings, kept)
