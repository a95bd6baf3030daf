-- The campaign target list (document 004): one row per exposed user and campaign with stage 1's
-- three probabilities, whether stage 1 excludes the user as predicted inactive, the SPLC
-- stage-2 probability, the two-stage prompted score, and the targeting rank and decile within
-- the campaign (rank 1 = target first). Scores of train campaigns are in-sample.
with

ranked as (

    select * from {{ ref('int_campaign_scores_ranked') }}

),

final as (

    select
        machine_id,
        campaign_id,
        campaign_split,
        campaign_label,
        p_engaged,
        p_unengaged,
        p_inactive,
        is_excluded,
        stage2_probability,
        prompted_score,
        targeting_rank,
        targeting_decile,
        campaign_exposures
    from ranked
    where loss = 'splc'

)

select * from final
