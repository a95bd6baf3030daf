{{ config(**incremental_by_date('event_date')) }}
-- An order (basket) is the item rows of one machine on one domain at one date and time:
-- the panel stamps every item of a basket with the basket's time and total.
with

transactions as (

    select * from {{ ref('stg_comscore__transactions') }}
    {{ incremental_slice_filter('event_date') }}

),

final as (

    select
        {{ surrogate_key(['machine_id', 'domain_name', 'event_date', 'event_time']) }} as order_id,
        machine_id,
        domain_name,
        event_date,
        event_time,
        count(*) as item_row_count,
        cast(sum(item_quantity) as bigint) as item_quantity,
        count(distinct product_key) as distinct_product_count,
        {{ money('sum(item_total_usd)') }} as items_total_usd,
        max(basket_total_usd) as basket_total_usd,
        min(basket_total_usd) = max(basket_total_usd) as has_consistent_basket_total

    from transactions

    group by
        machine_id,
        domain_name,
        event_date,
        event_time

)

select * from final
