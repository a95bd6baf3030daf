-- Conversion, AOV and ROI of contacting the top var('target_fraction') of scored test sessions
-- within each persona (document 002's campaign ROI by segment). Segmented domains only.
-- Personas and their AOV come from before var('train_end') (user_segments_at_train_end), so
-- nothing of the test period shapes the segments it is evaluated on; users first seen after
-- train_end have no persona and form a group of their own, valued at the domain's AOV.
{%- set new_user_persona = 'First seen after train_end' %}

with

session_scores as (

    select * from {{ ref('int_session_scores_selected') }}

),

user_segments as (

    select * from {{ ref('user_segments_at_train_end') }}

),

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

orders_before_train_end as (

    select *
    from orders
    where event_date < cast({{ sql_literal(var('train_end')) }} as date)

),

segmented_domains as (

    select distinct
        domain_name
    from user_segments

),

persona_sessions as (

    select
        session_scores.domain_name,
        coalesce(user_segments.persona, '{{ new_user_persona }}') as persona,
        session_scores.pseudo_session_id,
        session_scores.score,
        session_scores.is_actual_positive
    from session_scores
    inner join segmented_domains
        on session_scores.domain_name = segmented_domains.domain_name
    left join user_segments
        on session_scores.machine_id = user_segments.machine_id
        and session_scores.domain_name = user_segments.domain_name

),

ranked as (

    {{ rank_scored_rows('persona_sessions', ['domain_name', 'persona']) }}

),

persona_order_values as (

    select
        orders_before_train_end.domain_name,
        user_segments.persona,
        {{ money_avg("orders_before_train_end.basket_total_usd") }} as avg_order_value_usd
    from orders_before_train_end
    inner join user_segments
        on orders_before_train_end.machine_id = user_segments.machine_id
        and orders_before_train_end.domain_name = user_segments.domain_name
    group by
        orders_before_train_end.domain_name,
        user_segments.persona

    union all

    select
        orders_before_train_end.domain_name,
        '{{ new_user_persona }}' as persona,
        {{ money_avg("orders_before_train_end.basket_total_usd") }} as avg_order_value_usd
    from orders_before_train_end
    inner join segmented_domains
        on orders_before_train_end.domain_name = segmented_domains.domain_name
    group by
        orders_before_train_end.domain_name

),

scenario as (

    {{ scenario_rows([var('target_fraction')], [var('cost_per_session_usd')]) }}

),

{{ targeting_roi_ctes('ranked', 'scenario', 'persona_order_values', ['domain_name', 'persona']) }},

final as (

    select * from roi

)

select * from final
