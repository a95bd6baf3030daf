-- Conversion rate of pseudo-sessions by one descriptive dimension at a time, per domain
-- (document 000 §5): long format so a BI tool filters on dimension_name and sorts on bucket_order.
{%- set dimensions = [
    {'name': 'pages_viewed', 'label': 'pages_viewed_bucket', 'order': 'min(min_pages_viewed)'},
    {'name': 'duration', 'label': 'duration_bucket', 'order': 'min(min_duration_minutes)'},
    {'name': 'hour_of_day', 'label': 'cast(hour_of_day as ' ~ dbt.type_string() ~ ')', 'order': 'min(hour_of_day)'},
    {'name': 'day_of_week', 'label': day_of_week_name('day_of_week'), 'order': 'min(day_of_week)'},
    {'name': 'referrer_bucket', 'label': 'referrer_bucket', 'order': 'null'},
] %}

with

session_features as (

    select * from {{ ref('session_features') }}

),

combinations as (

    -- one pass over the pseudo-sessions, counting each combination of the dimensions' buckets
    -- (thousands of rows), which each dimension then adds up: five group-bys over every
    -- pseudo-session took 1.5 times as long at paper scale
    select
        domain_name,
        pages_viewed_bucket,
        duration_bucket,
        hour_of_day,
        day_of_week,
        referrer_bucket,
        count(*) as pseudo_sessions,
        count(case when converted then 1 end) as conversions,
        min(pages_viewed) as min_pages_viewed,
        min(duration_minutes) as min_duration_minutes

    from session_features

    group by
        domain_name,
        pages_viewed_bucket,
        duration_bucket,
        hour_of_day,
        day_of_week,
        referrer_bucket

),

{% for dimension in dimensions %}
by_{{ dimension.name }} as (

    select
        domain_name,
        '{{ dimension.name }}' as dimension_name,
        {{ dimension.label }} as bucket,
        {{ dimension.order }} as bucket_value,
        cast(sum(pseudo_sessions) as bigint) as pseudo_sessions,
        cast(sum(conversions) as bigint) as conversions

    from combinations

    group by
        domain_name,
        {{ dimension.label }}

),

{% endfor %}
unioned as (

    {% for dimension in dimensions -%}
    select * from by_{{ dimension.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        domain_name,
        dimension_name,
        bucket,
        -- buckets in their natural order (by smallest value; labels alphabetically otherwise)
        -- (a rank is BIGINT on DuckDB, INT on Spark: cast to the contract's type)
        cast(row_number() over (
            partition by domain_name, dimension_name
            order by bucket_value, bucket
        ) as bigint) as bucket_order,
        pseudo_sessions,
        conversions,
        cast(conversions as double) / pseudo_sessions as conversion_rate

    from unioned

)

select * from final
