-- The user-targeting marts hold exactly the scored customers: the deciles of each domain add up
-- to its customers in user_repeat_forecast (whose horizon is in the data), targeting everyone
-- has lift 1.0, and the gain curve ends at every buyer.
with

forecast as (

    select
        domain_name as domain_group,
        count(*) as customers
    from {{ ref('user_repeat_forecast') }}
    where is_horizon_observed
    group by domain_name

),

deciles as (

    select
        domain_group,
        sum(users) as customers,
        max(case when score_decile = 10 then cumulative_lift end) as full_population_lift
    from {{ ref('user_lift_by_decile') }}
    group by domain_group

),

curve_ends as (

    select
        domain_group,
        cumulative_gain
    from {{ ref('user_gain_curve') }}
    where targeted_percent = 100

)

select
    forecast.domain_group,
    forecast.customers,
    deciles.customers as decile_customers,
    deciles.full_population_lift,
    curve_ends.cumulative_gain as gain_at_100_percent
from forecast
left join deciles
    on forecast.domain_group = deciles.domain_group
left join curve_ends
    on forecast.domain_group = curve_ends.domain_group
where deciles.customers is distinct from forecast.customers
    or abs(coalesce(deciles.full_population_lift, 1.0) - 1.0) > 1e-9
    or abs(coalesce(curve_ends.cumulative_gain, 1.0) - 1.0) > 1e-9
