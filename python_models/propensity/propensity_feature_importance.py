"""Per feature: XGBoost gain and permutation importance on the validation window
(document 000 §7.2, document 001)."""

from shopper_propensity import model_inputs, propensity


def model(dbt, session):
    dbt.config(materialized="table")
    primary_domain = dbt.config.meta_get("primary_domain")
    train_end = dbt.config.meta_get("train_end")
    validation_months = dbt.config.meta_get("validation_months")
    seed = dbt.config.meta_get("propensity_seed")
    max_rows = dbt.config.meta_get("importance_max_rows")

    registry = dbt.ref("propensity_model_registry").filter("is_primary_model").df()
    model_inputs.require_rows(registry, "propensity_model_registry (primary model)")
    encoder, [(_, booster_model, _, _)] = propensity.registry_models(registry)
    target = registry["target"].iloc[0]
    windows = propensity.SplitWindows.from_vars(train_end, validation_months)
    validation = propensity.load_rows(
        dbt.ref("session_features"),
        propensity.window_filter(primary_domain, windows.validation_start, windows.train_end),
        propensity.feature_columns(target),
        max_rows,
        seed,
    )
    return propensity.feature_importance(booster_model, encoder, validation, target, seed)
