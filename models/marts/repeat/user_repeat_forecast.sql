-- One row per customer and domain at the scored cutoff: who buys again in the horizon and what
-- they are worth - the champion's P(a purchase), expected purchase days and spend, beside the
-- BG/NBD + Gamma-Gamma baseline's P(alive), P(a purchase), expected purchase days and customer
-- value over the horizon; the decile of the champion's probability within the domain, the
-- persona, and, when the horizon is in the data, what happened.
with

predictions as (

    select * from {{ ref('repeat_predictions') }}

),

registry as (

    select * from {{ ref('repeat_model_registry') }}

),

cutoffs as (

    select * from {{ ref('int_repeat_cutoffs') }}

),

outcomes as (

    select * from {{ ref('int_repeat_customers_labeled') }}

),

user_segments as (

    select * from {{ ref('user_segments') }}

),

champion as (

    {{ champion_predictions('predictions', 'registry', "predictions.cutoff_role = 'scored'") }}

),

baseline as (

    select *
    from predictions
    where model_name = 'bgnbd_gamma_gamma'
        and cutoff_role = 'scored'

),

joined as (

    select
        champion.machine_id,
        champion.domain_name,
        champion.cutoff_date,
        cutoffs.horizon_end_date,
        cutoffs.horizon_days,
        champion.model_name,
        champion.purchase_probability,
        champion.expected_purchase_days,
        champion.expected_spend_usd,
        baseline.probability_alive as bgnbd_probability_alive,
        baseline.purchase_probability as bgnbd_purchase_probability,
        baseline.expected_purchase_days as bgnbd_expected_purchase_days,
        baseline.expected_spend_usd as bgnbd_clv_usd,
        user_segments.persona,
        outcomes.is_horizon_observed,
        outcomes.has_purchase_in_horizon,
        outcomes.purchase_days_in_horizon,
        outcomes.spend_in_horizon_usd
    from champion
    inner join cutoffs
        on champion.cutoff_date = cutoffs.cutoff_date
    left join baseline
        on champion.machine_id = baseline.machine_id
        and champion.domain_name = baseline.domain_name
    inner join outcomes
        on champion.machine_id = outcomes.machine_id
        and champion.domain_name = outcomes.domain_name
        and champion.cutoff_date = outcomes.cutoff_date
    left join user_segments
        on champion.machine_id = user_segments.machine_id
        and champion.domain_name = user_segments.domain_name

),

final as (

    select
        machine_id,
        domain_name,
        cutoff_date,
        horizon_end_date,
        horizon_days,

        -- the champion's forecast
        model_name,
        purchase_probability,
        expected_purchase_days,
        round(expected_spend_usd, 2) as expected_spend_usd,
        -- BIGINT on both engines (ntile is INT on Spark)
        cast(ntile(10) over (
            partition by domain_name
            order by purchase_probability desc, machine_id
        ) as bigint) as purchase_probability_decile,

        -- the probabilistic baseline
        bgnbd_probability_alive,
        bgnbd_purchase_probability,
        bgnbd_expected_purchase_days,
        round(bgnbd_clv_usd, 2) as bgnbd_clv_usd,

        persona,

        -- what happened (NULL while the horizon is in the future)
        is_horizon_observed,
        has_purchase_in_horizon,
        purchase_days_in_horizon,
        spend_in_horizon_usd
    from joined

)

select * from final
