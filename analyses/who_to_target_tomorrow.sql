-- Who to contact tomorrow on one domain (var target_domain, default var primary_domain): each
-- user's latest champion score stands for tomorrow's intent, and the top var target_fraction of
-- users by that score form the list, with their persona (primary-domain personas) and RFM
-- segment, and what a contact is worth at the domain's AOV against var cost_per_session_usd.
-- The score is the probability that a day like the user's last one ends in a purchase: a
-- ranking for the list, an upper bound for the value (not the incremental effect).
--   dbt compile --select who_to_target_tomorrow --vars '{target_domain: etsy.com}'
{%- set target_domain = var('target_domain', var('primary_domain')) %}

with

session_scores as (

    select * from {{ ref('session_scores') }}

),

user_segments as (

    select * from {{ ref('user_segments') }}

),

user_rfm_segments as (

    select * from {{ ref('user_rfm_segments') }}

),

aov_by_domain as (

    select * from {{ ref('aov_by_domain') }}

),

domain_scores as (

    select *
    from session_scores
    where domain_name = {{ sql_literal(target_domain) }}

),

latest_scores as (

    select
        machine_id,
        domain_name,
        event_date as last_scored_date,
        score,
        row_number() over (
            partition by machine_id
            order by event_date desc, pseudo_session_id
        ) as recency_rank
    from domain_scores

),

ranked_users as (

    select
        machine_id,
        domain_name,
        last_scored_date,
        score,
        row_number() over (order by score desc, machine_id) as target_rank,
        count(*) over () as users_scored,
        max(last_scored_date) over () as last_panel_date
    from latest_scores
    where recency_rank = 1

),

final as (

    select
        ranked_users.target_rank,
        ranked_users.machine_id,
        ranked_users.domain_name,
        ranked_users.last_scored_date,
        cast({{ dbt.dateadd('day', 1, 'ranked_users.last_panel_date') }} as date) as contact_date,
        {{ dbt.datediff('ranked_users.last_scored_date', 'ranked_users.last_panel_date', 'day') }} + 1
            as days_since_last_scored,
        ranked_users.score,
        user_segments.persona,
        user_rfm_segments.rfm_segment,
        ranked_users.score * aov_by_domain.avg_order_value_usd as expected_revenue_usd,
        ranked_users.score * aov_by_domain.avg_order_value_usd - {{ sql_literal(var('cost_per_session_usd')) }}
            as expected_profit_usd
    from ranked_users
    left join user_segments
        on ranked_users.machine_id = user_segments.machine_id
        and ranked_users.domain_name = user_segments.domain_name
    left join user_rfm_segments
        on ranked_users.machine_id = user_rfm_segments.machine_id
        and ranked_users.domain_name = user_rfm_segments.domain_name
    left join aov_by_domain
        on ranked_users.domain_name = aov_by_domain.domain_group
    where ranked_users.target_rank
        <= cast(ceil({{ sql_literal(var('target_fraction')) }} * ranked_users.users_scored) as bigint)

)

select * from final
order by target_rank
