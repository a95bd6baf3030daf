{{ config(**incremental_by_date('event_date')) }}
-- Sessions and purchases meet on (machine_id, event_date, domain_name): most transaction rows
-- carry site_session_id = 0, so the day is the finest grain both sides share (document 000 §4.1).
with

daily_sessions as (

    select * from {{ ref('int_sessions_aggregated_to_pseudo_sessions') }}
    {{ incremental_slice_filter('event_date') }}

),

daily_purchases as (

    select * from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }}
    {{ incremental_slice_filter('event_date') }}

),

final as (

    select
        daily_sessions.*,
        daily_purchases.machine_id is not null as converted,
        coalesce(daily_purchases.order_count, 0) as order_count,
        coalesce(daily_purchases.item_quantity, 0) as item_quantity,
        coalesce(daily_purchases.distinct_product_count, 0) as distinct_product_count,
        coalesce(daily_purchases.basket_spend_usd, 0) as basket_spend_usd

    from daily_sessions

    left join daily_purchases
        on daily_sessions.machine_id = daily_purchases.machine_id
        and daily_sessions.event_date = daily_purchases.event_date
        and daily_sessions.domain_name = daily_purchases.domain_name

)

select * from final
