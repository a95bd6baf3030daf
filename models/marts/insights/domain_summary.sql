-- Users, sessions, conversion and average order value per domain (document 000 §1.5 and Table 3).
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

activity as (

    select
        domain_name,
        count(distinct machine_id) as users,
        sum(session_count) as sessions,
        count(*) as pseudo_sessions,
        sum(case when converted then 1 else 0 end) as converted_pseudo_sessions

    from pseudo_sessions

    group by domain_name

),

order_totals as (

    select
        domain_name,
        count(*) as orders,
        sum(basket_total_usd) as revenue_usd

    from orders

    group by domain_name

),

panel_totals as (

    select
        count(distinct machine_id) as panel_users,
        sum(session_count) as panel_sessions

    from pseudo_sessions

),

final as (

    select
        activity.domain_name,
        activity.domain_name = '{{ var("primary_domain") }}' as is_primary_domain,
        activity.users,
        cast(activity.users as double) / panel_totals.panel_users as share_of_panel_users,
        activity.sessions,
        cast(activity.sessions as double) / panel_totals.panel_sessions as share_of_panel_sessions,
        activity.pseudo_sessions,
        activity.converted_pseudo_sessions,
        cast(activity.converted_pseudo_sessions as double) / activity.pseudo_sessions as conversion_rate,
        coalesce(order_totals.orders, 0) as orders,
        coalesce(order_totals.revenue_usd, 0) as revenue_usd,
        order_totals.revenue_usd / order_totals.orders as avg_order_value_usd

    from activity

    cross join panel_totals

    left join order_totals
        on activity.domain_name = order_totals.domain_name

)

select * from final
