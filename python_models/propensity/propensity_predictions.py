"""Scores of every model of the current version (propensity_model_registry) on the validation
window (primary domain) and the test period (every domain, without retuning), scored in batches,
with the windows the registry was fitted on (a mismatch with the vars fails). Incremental: while
the version is unchanged, a run scores only the newest event dates (var
incremental_lookback_days) and keeps the rest; a new version rescores all (propensity.scoring).
Feeds session_scores, the metrics and the confusion matrix."""

from shopper_propensity.propensity import scoring
from shopper_propensity.settings import PropensitySettings


def model(dbt, session):
    # append_slice (macros/incremental.sql): the rows appended, their slice logged for the data tests;
    # on_schema_change fail: a table of an older layout asks for --full-refresh (KeptTable.prepare)
    dbt.config(materialized="incremental", incremental_strategy="append_slice", unique_key="event_date",
               on_schema_change="fail")
    settings = PropensitySettings.from_meta(dbt.config.get("meta"))
    scored = scoring.scored_table(session, str(dbt.this)) if dbt.is_incremental else None
    return scoring.score_predictions(dbt.ref("propensity_model_registry"), dbt.ref("session_features"), settings,
                                     scored)
