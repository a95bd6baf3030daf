"""Trains the candidate propensity models on the primary domain (document 000 §7): fit window
before the validation window; on the validation window the F1-optimal threshold of each and the
champion (README: champion selection). One row per candidate, with the fitted model as a blob
that the scoring models load. The reference XGBoost model is also saved as XGBoost JSON with a
metadata file under the artifact folder."""

import pandas as pd

from shopper_propensity import model_inputs, propensity


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    target = dbt.config.meta_get("propensity_target")
    primary_domain = dbt.config.meta_get("primary_domain")
    train_end = dbt.config.meta_get("train_end")
    validation_months = dbt.config.meta_get("validation_months")
    max_train_rows = dbt.config.meta_get("max_train_rows")
    seed = dbt.config.meta_get("propensity_seed")
    tune_trials = dbt.config.meta_get("propensity_tune_trials")
    artifact_dir = dbt.config.meta_get("propensity_artifact_dir")
    pinned_champion = dbt.config.meta_get("propensity_champion")

    session_features = dbt.ref("session_features")
    model_inputs.require_rows(session_features, "session_features")
    registry, booster, metadata = propensity.train_registry(
        session_features,
        target=target,
        primary_domain=primary_domain,
        windows=propensity.SplitWindows.from_vars(train_end, validation_months),
        max_train_rows=max_train_rows,
        seed=seed,
        tune_trials=tune_trials,
        pinned_champion=pinned_champion or None,
    )
    propensity.save_artifacts(booster, metadata, artifact_dir)
    return pd.DataFrame(registry)
