"""Stage 2 of document 004's two-stage model: engaged (positive) vs unengaged (negative) with
the self-paced loss correction of eq. 4-5 as an XGBoost custom objective, and a plain-BCE model
for comparison; both fitted on the train campaigns and applied to every exposure. One row per
exposure and loss. Empty when there are no campaign exposures."""

from shopper_propensity import campaign


def model(dbt, session):
    dbt.config(materialized="table")
    # one plain statement per setting: dbt only passes meta keys it finds read this way
    inactive_cut = dbt.config.meta_get("campaign_inactive_cut")
    tau = dbt.config.meta_get("campaign_splc_tau")
    warmup_rounds = dbt.config.meta_get("campaign_splc_warmup_rounds")
    seed = dbt.config.meta_get("campaign_seed")

    examples = campaign.load_examples(
        dbt.ref("int_campaign_exposures_featurized"), dbt.ref("int_campaign_exposures_labeled")
    )
    stage1 = dbt.ref("campaign_stage1_predictions").df()
    settings = campaign.CampaignSettings(inactive_cut=inactive_cut, tau=tau, warmup_rounds=warmup_rounds, seed=seed)
    return campaign.stage2_predictions(examples, stage1, settings)
