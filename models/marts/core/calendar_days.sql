-- One row per day from the panel's first to its last event date: the time spine MetricFlow
-- aggregates metrics over, and a calendar a BI tool can join dates to.
{%- set first_day = '(select min(event_date) from ' ~ ref('session_features') ~ ')' %}
{%- set day_after_last = '(select ' ~ dbt.dateadd('day', 1, 'max(event_date)')
    ~ ' from ' ~ ref('session_features') ~ ')' %}

with

days as (

    {{ dbt.date_spine('day', first_day, day_after_last) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
