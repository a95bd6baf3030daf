"""Fits the repeat-purchase candidates (issue 20) on the customers of the training cutoffs and
chooses the champion on the validation cutoff (README: repeat purchase and customer value). One
row per candidate, pointing at its fitted family in the artifact folder (var artifact_dir), which
repeat_predictions loads; served without the internals as repeat_models."""

from shopper_propensity.repeat import training
from shopper_propensity.settings import RepeatSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = RepeatSettings.from_meta(dbt.config.get("meta"))
    return training.fit_registry(
        dbt.ref("int_repeat_customers_featurized"), dbt.ref("int_repeat_customers_labeled"), settings
    )
