-- repeat_model_calibration (SQL) and repeat_model_metrics (Python) describe the same forecasts:
-- per model, cutoff and domain group the deciles hold the metrics' customers and buyers, and
-- their mean forecast is the metrics' mean probability.
with

deciles as (

    select
        model_name,
        cutoff_role,
        domain_group,
        sum(customers) as customers,
        sum(observed_purchase_rate * customers) as buyers,
        sum(mean_purchase_probability * customers) / sum(customers) as mean_purchase_probability
    from {{ ref('repeat_model_calibration') }}
    group by
        model_name,
        cutoff_role,
        domain_group

),

metrics as (

    select * from {{ ref('repeat_model_metrics') }}

)

select
    metrics.model_name,
    metrics.cutoff_role,
    metrics.domain_group,
    metrics.customers,
    deciles.customers as decile_customers,
    metrics.buyers,
    deciles.buyers as decile_buyers
from metrics
full outer join deciles
    on metrics.model_name = deciles.model_name
    and metrics.cutoff_role = deciles.cutoff_role
    and metrics.domain_group = deciles.domain_group
where deciles.customers is distinct from metrics.customers
    or abs(deciles.buyers - metrics.buyers) > 1e-6
    or abs(deciles.mean_purchase_probability - metrics.mean_purchase_probability) > 1e-6
