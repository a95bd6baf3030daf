-- Average order value per domain from the orders themselves (document 000 Table 3), and for
-- all non-primary domains together (the group the cross-domain ROI is reported for).
with

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

labelled as (

    {{ rows_by_domain_group('orders', ['basket_total_usd']) }}

),

final as (

    select
        domain_group,
        count(*) as orders,
        {{ money('sum(basket_total_usd)') }} as revenue_usd,
        {{ money_avg("basket_total_usd") }} as avg_order_value_usd

    from labelled

    group by domain_group

)

select * from final
