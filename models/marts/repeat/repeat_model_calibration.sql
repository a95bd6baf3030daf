-- Calibration by decile: per model (the ML candidates and BG/NBD + Gamma-Gamma), cutoff and
-- domain group, the customers in each decile of the model's P(a purchase in the horizon) (1 =
-- top tenth), the mean forecast beside what happened - buy rate, purchase days and spend.
-- Only where the horizon is in the data.
with

predictions as (

    select * from {{ ref('repeat_predictions') }}

),

outcomes as (

    select * from {{ ref('int_repeat_customers_labeled') }}

),

forecasts as (

    select
        predictions.model_name,
        predictions.cutoff_role,
        predictions.cutoff_date,
        predictions.machine_id,
        predictions.domain_name,
        predictions.purchase_probability,
        predictions.expected_purchase_days,
        predictions.expected_spend_usd,
        outcomes.has_purchase_in_horizon,
        outcomes.purchase_days_in_horizon,
        outcomes.spend_in_horizon_usd
    from predictions
    inner join outcomes
        on predictions.machine_id = outcomes.machine_id
        and predictions.domain_name = outcomes.domain_name
        and predictions.cutoff_date = outcomes.cutoff_date
    where outcomes.is_horizon_observed
        and predictions.purchase_probability is not null

),

grouped as (

    {{ rows_by_domain_group('forecasts', [
        'model_name', 'cutoff_role', 'cutoff_date', 'machine_id', 'domain_name', 'purchase_probability',
        'expected_purchase_days', 'expected_spend_usd', 'has_purchase_in_horizon', 'purchase_days_in_horizon',
        'spend_in_horizon_usd'
    ]) }}

),

with_decile as (

    select
        *,
        -- BIGINT on both engines (ntile is INT on Spark)
        cast(ntile(10) over (
            partition by model_name, cutoff_role, domain_group
            order by purchase_probability desc, machine_id, domain_name
        ) as bigint) as probability_decile
    from grouped

),

final as (

    select
        model_name,
        cutoff_role,
        max(cutoff_date) as cutoff_date,
        domain_group,
        probability_decile,
        count(*) as customers,
        min(purchase_probability) as min_purchase_probability,
        max(purchase_probability) as max_purchase_probability,
        {{ stable_avg('purchase_probability') }} as mean_purchase_probability,
        avg(case when has_purchase_in_horizon then 1 else 0 end) as observed_purchase_rate,
        {{ stable_avg('expected_purchase_days') }} as mean_expected_purchase_days,
        avg(purchase_days_in_horizon) as mean_observed_purchase_days,
        {{ stable_avg('expected_spend_usd') }} as mean_expected_spend_usd,
        cast(sum(spend_in_horizon_usd) as double) / count(*) as mean_observed_spend_usd
    from with_decile
    group by
        model_name,
        cutoff_role,
        domain_group,
        probability_decile

)

select * from final
