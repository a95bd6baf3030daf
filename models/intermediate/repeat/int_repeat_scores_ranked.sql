-- The champion's P(a purchase in the horizon) for the customers of the scored cutoff, with what
-- they did, ranked within each domain and within all non-primary domains together: the shared
-- input of the user-targeting lift, gain and ROI marts. Empty when the scored cutoff's horizon
-- runs past the data (a forecast of the future has nothing to measure lift against yet).
with

predictions as (

    select * from {{ ref('repeat_predictions') }}

),

registry as (

    select * from {{ ref('repeat_model_registry') }}

),

outcomes as (

    select * from {{ ref('int_repeat_customers_labeled') }}

),

scored_customers as (

    select
        predictions.machine_id,
        predictions.domain_name,
        predictions.purchase_probability as score,
        outcomes.has_purchase_in_horizon as is_actual_positive
    from predictions
    inner join registry
        on predictions.model_name = registry.model_name
    inner join outcomes
        on predictions.machine_id = outcomes.machine_id
        and predictions.domain_name = outcomes.domain_name
        and predictions.cutoff_date = outcomes.cutoff_date
    where registry.is_champion
        and predictions.cutoff_role = 'scored'
        and outcomes.is_horizon_observed

),

grouped as (

    {{ rows_by_domain_group('scored_customers', ['machine_id', 'domain_name', 'score', 'is_actual_positive']) }}

),

final as (

    {{ rank_scored_rows('grouped', ['domain_group'], ['machine_id', 'domain_name'], unit='user') }}

)

select * from final
