"""Model-health checks of the propensity models, one row per check and subject, each with its
numbers: validation AUC near chance, thresholds that flag most sessions, base-rate shift
between windows, empty or constant features, too few positives, unseen levels."""

import json

from shopper_propensity import model_health, model_inputs, propensity
from shopper_propensity.features import FeatureEncoder


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    primary_domain = dbt.config.meta_get("primary_domain")
    train_end = dbt.config.meta_get("train_end")
    validation_months = dbt.config.meta_get("validation_months")
    limits = model_health.HealthLimits(
        min_validation_roc_auc=dbt.config.meta_get("health_min_validation_roc_auc"),
        max_flagged_share=dbt.config.meta_get("health_max_flagged_share"),
        max_base_rate_ratio=dbt.config.meta_get("health_max_base_rate_ratio"),
        min_positives_per_window=dbt.config.meta_get("health_min_positives_per_window"),
        max_unseen_level_share=dbt.config.meta_get("health_max_unseen_level_share"),
    )

    registry = dbt.ref("propensity_model_registry").project(
        "model_name, is_champion, threshold, validation_roc_auc, validation_flagged_share, "
        "encoder_json, fit_rows, target, primary_domain, validation_start, train_end").df()
    model_inputs.require_rows(registry, "propensity_model_registry")
    windows = propensity.registry_windows(
        registry, propensity.SplitWindows.from_vars(train_end, validation_months), primary_domain)
    test_flagged = dict(
        dbt.ref("propensity_model_metrics")
        .filter("split = 'test' and threshold_kind = 'tuned' and "
                + propensity.window_filter(primary_domain, None, None))
        .project("model_name, predicted_positives / rows").fetchall()
    )
    features = dbt.ref("session_features")
    encoder = FeatureEncoder.from_dict(json.loads(registry["encoder_json"].iloc[0]))
    predicates = propensity.window_predicates(primary_domain, windows)
    return model_health.health_checks(
        registry,
        model_health.window_counts(features, registry["target"].iloc[0], predicates),
        model_health.unseen_level_counts(features, encoder, {k: predicates[k] for k in ("validation", "test")}),
        test_flagged,
        limits,
    )
