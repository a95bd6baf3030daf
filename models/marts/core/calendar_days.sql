-- One row per day from the panel's first to its last event date: the time spine MetricFlow
-- aggregates metrics over, and a calendar a BI tool can join dates to.
{#- Sessions and orders both: an orders-only panel (var panel_has_sessions false) has no sessions. -#}
{%- set event_dates = '(select event_date from ' ~ ref('session_features')
    ~ ' union all select event_date from ' ~ ref('int_transactions_grouped_to_orders') ~ ')' %}
{%- set first_day = '(select min(event_date) from ' ~ event_dates ~ ')' %}
{%- set day_after_last = '(select ' ~ dbt.dateadd('day', 1, 'max(event_date)')
    ~ ' from ' ~ event_dates ~ ')' %}

with

days as (

    {{ dbt.date_spine('day', first_day, day_after_last) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
