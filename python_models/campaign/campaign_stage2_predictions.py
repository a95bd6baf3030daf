"""Stage 2 of document 004's two-stage model: engaged (positive) vs unengaged (negative) with
the self-paced loss correction of eq. 4-5 as an XGBoost custom objective, and a plain-BCE model
for comparison; both fitted on the train campaigns and applied to every exposure. One row per
exposure and loss. Empty when there are no campaign exposures."""

from shopper_propensity.campaign import pipeline
from shopper_propensity.settings import CampaignSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = CampaignSettings.from_meta(dbt.config.get("meta"))
    examples = pipeline.load_examples(
        dbt.ref("int_campaign_exposures_featurized"), dbt.ref("int_campaign_exposures_labeled")
    )
    return pipeline.stage2_predictions(examples, dbt.ref("campaign_stage1_predictions").df(), settings)
