"""Document 004 Figure 3 on the test campaigns: share of truly prompted users captured when
targeting 1%..100% of each evaluated population in model order, for SPLC and plain BCE, with
the random and perfect references. Empty when there are no exposures or no truth file."""

from shopper_propensity.campaign import evaluation


def model(dbt, session):
    dbt.config(materialized="table")
    scored = evaluation.load_scored_test(
        dbt.ref("int_campaign_scores_ranked"),
        dbt.ref("int_campaign_exposures_featurized"),
        dbt.ref("stg_panel_truth__campaign_intent"),
    )
    return evaluation.gain_curve(scored)
