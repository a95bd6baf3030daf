"""Every repeat-purchase model's forecast at the validation and the scored cutoff: each registry
candidate, and BG/NBD + Gamma-Gamma fitted per domain on the same customers up to the same
cutoff. Feeds user_repeat_forecast, the metrics, the calibration and the user-targeting marts."""

from shopper_propensity.repeat import scoring
from shopper_propensity.settings import RepeatSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = RepeatSettings.from_meta(dbt.config.get("meta"))
    return scoring.forecast_table(
        dbt.ref("repeat_model_registry"),
        dbt.ref("int_repeat_customers_featurized"),
        dbt.ref("int_repeat_customers_labeled"),
        dbt.ref("int_transactions_aggregated_to_pseudo_sessions"),
        settings,
    )
