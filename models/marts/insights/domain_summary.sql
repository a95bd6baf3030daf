-- Users, sessions, conversion and average order value per domain (document 000 §1.5 and Table 3).
-- Counted from the users' months: the same users, sessions and pseudo-sessions (visit days) as
-- the pseudo-sessions give, from a fifth of the rows.
with

user_months as (

    select * from {{ ref('int_pseudo_sessions_aggregated_to_user_months') }}

),

aov_by_domain as (

    select * from {{ ref('aov_by_domain') }}

),

activity as (

    select
        domain_name,
        count(distinct machine_id) as users,
        cast(sum(session_count) as bigint) as sessions,
        cast(sum(visit_days) as bigint) as pseudo_sessions,
        cast(sum(converted_visit_days) as bigint) as converted_pseudo_sessions

    from user_months

    group by domain_name

),

panel_totals as (

    select
        count(distinct machine_id) as panel_users,
        cast(sum(session_count) as bigint) as panel_sessions

    from user_months

),

final as (

    select
        activity.domain_name,
        {{ is_primary_domain('activity.domain_name') }} as is_primary_domain,
        activity.users,
        cast(activity.users as double) / panel_totals.panel_users as share_of_panel_users,
        activity.sessions,
        cast(activity.sessions as double) / panel_totals.panel_sessions as share_of_panel_sessions,
        activity.pseudo_sessions,
        activity.converted_pseudo_sessions,
        cast(activity.converted_pseudo_sessions as double) / activity.pseudo_sessions as conversion_rate,
        coalesce(aov_by_domain.orders, 0) as orders,
        coalesce(aov_by_domain.revenue_usd, 0) as revenue_usd,
        aov_by_domain.avg_order_value_usd

    from activity

    cross join panel_totals

    left join aov_by_domain
        on activity.domain_name = aov_by_domain.domain_group

)

select * from final
