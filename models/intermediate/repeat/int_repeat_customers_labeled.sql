-- One row per customer, domain and cutoff of int_repeat_customers_featurized with what happened
-- in the horizon [cutoff, cutoff + horizon): purchase days, orders and spend. NULL when the
-- horizon runs past the data (the scored cutoff of a forecast of the future). Only outcomes
-- live here; features (strictly before the cutoff) are in int_repeat_customers_featurized.
with

customers as (

    select * from {{ ref('int_repeat_customers_featurized') }}

),

cutoffs as (

    select * from {{ ref('int_repeat_cutoffs') }}

),

purchase_days as (

    select * from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }}

),

horizon_purchases as (

    select
        customers.machine_id,
        customers.domain_name,
        customers.cutoff_date,
        count(*) as purchase_days,
        cast(sum(purchase_days.order_count) as bigint) as order_count,
        {{ money('sum(purchase_days.basket_spend_usd)') }} as spend_usd
    from customers
    inner join cutoffs
        on customers.cutoff_date = cutoffs.cutoff_date
    inner join purchase_days
        on customers.machine_id = purchase_days.machine_id
        and customers.domain_name = purchase_days.domain_name
        and purchase_days.event_date >= cutoffs.cutoff_date
        and purchase_days.event_date < cutoffs.horizon_end_date
    group by
        customers.machine_id,
        customers.domain_name,
        customers.cutoff_date

),

final as (

    select
        customers.machine_id,
        customers.domain_name,
        customers.cutoff_date,
        customers.cutoff_role,
        cutoffs.horizon_end_date,
        cutoffs.is_horizon_observed,
        case
            when cutoffs.is_horizon_observed then horizon_purchases.purchase_days is not null
        end as has_purchase_in_horizon,
        case
            when cutoffs.is_horizon_observed then coalesce(horizon_purchases.purchase_days, 0)
        end as purchase_days_in_horizon,
        case
            when cutoffs.is_horizon_observed then coalesce(horizon_purchases.order_count, 0)
        end as orders_in_horizon,
        case
            when cutoffs.is_horizon_observed then coalesce(horizon_purchases.spend_usd, {{ money(0) }})
        end as spend_in_horizon_usd
    from customers
    inner join cutoffs
        on customers.cutoff_date = cutoffs.cutoff_date
    left join horizon_purchases
        on customers.machine_id = horizon_purchases.machine_id
        and customers.domain_name = horizon_purchases.domain_name
        and customers.cutoff_date = horizon_purchases.cutoff_date

)

select * from final
