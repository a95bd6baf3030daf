"""Scores of every registry model on the validation window (primary domain) and the test period
(every domain, without retuning), scored in batches, with the windows the registry was fitted
on (a mismatch with the vars fails). Feeds session_scores, the metrics and the confusion matrix."""

from shopper_propensity import model_inputs, propensity


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    primary_domain = dbt.config.meta_get("primary_domain")
    train_end = dbt.config.meta_get("train_end")
    validation_months = dbt.config.meta_get("validation_months")
    batch_rows = dbt.config.meta_get("scoring_batch_rows")

    registry = dbt.ref("propensity_model_registry").df()
    model_inputs.require_rows(registry, "propensity_model_registry")
    windows = propensity.SplitWindows.from_vars(train_end, validation_months)
    propensity.registry_windows(registry, windows, primary_domain)
    return propensity.score_splits(dbt.ref("session_features"), registry, batch_rows=batch_rows)
