-- How big orders are, per domain: by distinct products and by basket value (document 000 §5.2).
with

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

bucketed as (

    select
        domain_name,
        case
            when distinct_product_count >= 5 then '5+'
            else cast(distinct_product_count as {{ dbt.type_string() }})
        end as distinct_products_bucket,
        least(distinct_product_count, 5) as distinct_products_order,
        case
            when basket_total_usd < 25 then '<$25'
            when basket_total_usd < 50 then '$25-49'
            when basket_total_usd < 100 then '$50-99'
            when basket_total_usd < 200 then '$100-199'
            when basket_total_usd < 600 then '$200-599'
            else '$600+'
        end as basket_value_bucket,
        case
            when basket_total_usd < 25 then 1
            when basket_total_usd < 50 then 2
            when basket_total_usd < 100 then 3
            when basket_total_usd < 200 then 4
            when basket_total_usd < 600 then 5
            else 6
        end as basket_value_order

    from orders

),

by_products as (

    select
        domain_name,
        'distinct_products' as dimension_name,
        distinct_products_bucket as bucket,
        distinct_products_order as bucket_order,
        count(*) as orders

    from bucketed

    group by
        domain_name,
        distinct_products_bucket,
        distinct_products_order

),

by_value as (

    select
        domain_name,
        'basket_value_usd' as dimension_name,
        basket_value_bucket as bucket,
        basket_value_order as bucket_order,
        count(*) as orders

    from bucketed

    group by
        domain_name,
        basket_value_bucket,
        basket_value_order

),

unioned as (

    select * from by_products
    union all
    select * from by_value

),

final as (

    select
        domain_name,
        dimension_name,
        bucket,
        bucket_order,
        orders,
        cast(orders as double) / sum(orders) over (partition by domain_name, dimension_name) as share_of_orders

    from unioned

)

select * from final
