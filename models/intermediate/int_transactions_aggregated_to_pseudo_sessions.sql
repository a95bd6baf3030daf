{{ config(**incremental_by_date('event_date')) }}
with

transactions as (

    select * from {{ ref('stg_comscore__transactions') }}
    {{ incremental_slice_filter('event_date') }}

),

final as (

    select
        machine_id,
        event_date,
        domain_name,
        count(distinct event_time) as order_count,
        count(*) as item_row_count,
        cast(sum(item_quantity) as bigint) as item_quantity,
        count(distinct product_key) as distinct_product_count,
        -- item line totals, summed; basket_total_usd repeats per item and is never summed
        {{ money('sum(item_total_usd)') }} as basket_spend_usd

    from transactions

    group by
        machine_id,
        event_date,
        domain_name

)

select * from final
