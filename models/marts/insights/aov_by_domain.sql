-- Average order value per domain from the orders themselves (document 000 Table 3), and for
-- all non-primary domains together (the group the cross-domain ROI is reported for).
with

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

labelled as (

    select
        domain_name as domain_group,
        basket_total_usd
    from orders

    union all

    select
        'all non-primary domains' as domain_group,
        basket_total_usd
    from orders
    where domain_name != {{ sql_literal(var('primary_domain')) }}

),

final as (

    select
        domain_group,
        count(*) as orders,
        {{ money('sum(basket_total_usd)') }} as revenue_usd,
        avg(basket_total_usd) as avg_order_value_usd

    from labelled

    group by domain_group

)

select * from final
