-- One row per exposure and stage-2 loss (splc, bce): both stages' outputs and two orders within
-- the campaign. targeting_rank is the order a marketer targets in - exposures stage 1 keeps,
-- by the two-stage prompted_score, then the excluded ones by P(inactive) - with its decile;
-- stage2_rank orders by P(prompted | responds) alone, for evaluating among responders. Ties
-- are broken by machine_id, so the order is the same every run.
with

stage1 as (

    select * from {{ ref('campaign_stage1_predictions') }}

),

stage2 as (

    select * from {{ ref('campaign_stage2_predictions') }}

),

joined as (

    select
        stage2.machine_id,
        stage2.campaign_id,
        stage2.loss,
        stage1.campaign_split,
        stage1.campaign_label,
        stage1.p_engaged,
        stage1.p_unengaged,
        stage1.p_inactive,
        stage2.is_excluded,
        stage2.stage2_probability,
        stage2.prompted_score
    from stage2
    inner join stage1
        on stage2.machine_id = stage1.machine_id
        and stage2.campaign_id = stage1.campaign_id

),

ranked as (

    select
        *,
        -- ranks BIGINT on both engines (INT on Spark)
        cast(row_number() over (
            partition by campaign_id, loss
            order by is_excluded, prompted_score desc, p_inactive, machine_id
        ) as bigint) as targeting_rank,
        cast(ntile(10) over (
            partition by campaign_id, loss
            order by is_excluded, prompted_score desc, p_inactive, machine_id
        ) as bigint) as targeting_decile,
        cast(row_number() over (
            partition by campaign_id, loss
            order by stage2_probability desc, machine_id
        ) as bigint) as stage2_rank,
        count(*) over (partition by campaign_id, loss) as campaign_exposures
    from joined

),

final as (

    select
        machine_id,
        campaign_id,
        loss,
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
        stage2_rank,
        campaign_exposures
    from ranked

)

select * from final
