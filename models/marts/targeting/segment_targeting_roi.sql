-- Conversion, AOV and ROI of contacting the top var('target_fraction') of scored test sessions
-- within each persona (document 002's campaign ROI by segment). Segmented domains only.
with

session_scores as (

    select * from {{ ref('session_scores') }}

),

user_segments as (

    select * from {{ ref('user_segments') }}

),

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

persona_sessions as (

    select
        session_scores.domain_name,
        user_segments.persona,
        session_scores.pseudo_session_id,
        session_scores.score,
        session_scores.is_actual_positive
    from session_scores
    inner join user_segments
        on session_scores.machine_id = user_segments.machine_id
        and session_scores.domain_name = user_segments.domain_name

),

ranked as (

    {{ rank_scored_sessions('persona_sessions', ['domain_name', 'persona']) }}

),

persona_order_values as (

    select
        orders.domain_name,
        user_segments.persona,
        avg(orders.basket_total_usd) as avg_order_value_usd
    from orders
    inner join user_segments
        on orders.machine_id = user_segments.machine_id
        and orders.domain_name = user_segments.domain_name
    group by
        orders.domain_name,
        user_segments.persona

),

scenario as (

    {{ scenario_rows([var('target_fraction')], [var('cost_per_session_usd')]) }}

),

{{ targeting_roi_ctes('ranked', 'scenario', 'persona_order_values', ['domain_name', 'persona']) }},

final as (

    select * from roi

)

select * from final
