"""Per feature of the champion and of the reference XGBoost: gain (XGBoost only) and permutation
importance on the validation window (document 000 §7.2, document 001)."""

import pandas as pd

from shopper_propensity import importance, model_inputs, propensity


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    primary_domain = dbt.config.meta_get("primary_domain")
    train_end = dbt.config.meta_get("train_end")
    validation_months = dbt.config.meta_get("validation_months")
    seed = dbt.config.meta_get("propensity_seed")
    max_rows = dbt.config.meta_get("importance_max_rows")

    registry = dbt.ref("propensity_model_registry").filter("is_champion or is_reference_model").df()
    model_inputs.require_rows(registry, "propensity_model_registry (champion and reference model)")
    windows = propensity.registry_windows(
        registry, propensity.SplitWindows.from_vars(train_end, validation_months), primary_domain)
    encoder, models = propensity.registry_models(registry)
    target = registry["target"].iloc[0]
    validation = propensity.load_rows(
        dbt.ref("session_features"),
        propensity.window_filter(primary_domain, windows.validation_start, windows.train_end),
        propensity.feature_columns(target),
        max_rows,
        seed,
    )
    tables = []
    for name, fitted, positions, _ in models:
        table = importance.feature_importance(fitted, positions, encoder, validation, target, seed)
        table.insert(0, "model_name", name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
