-- How far back each pseudo-session's history reaches (document 000 Figs. 6-7): pseudo-sessions
-- and conversions per bin of days since the last visit day, days since the last purchase
-- (7-day bins) and historical conversion rate (0.05-wide bins, 1.0 in the last), per domain.
-- Pseudo-sessions without the history (a user's first visit or purchase) are not binned.
-- Rates are binned by multiplying, floor(rate * 20): dividing, 0.15 / 0.05 is 2.9999999999999996
-- in doubles and 0.15 would land a bin low.
{%- set features = [
    {'name': 'days_since_last_session', 'bin_index': 'floor(days_since_last_session / 7.0)', 'bin_width': 7},
    {'name': 'days_since_last_purchase', 'bin_index': 'floor(days_since_last_purchase / 7.0)', 'bin_width': 7},
    {'name': 'historical_conversion_rate', 'bin_index': 'least(floor(historical_conversion_rate * 20), 19)', 'bin_width': 0.05},
] %}

with

session_features as (

    select * from {{ ref('session_features') }}

),

session_bins as (

    select
        domain_name,
        -- no bin without the history (least() would put a missing rate in the top bin)
        {%- for feature in features %}
        case
            when {{ feature.name }} is not null then cast({{ feature.bin_index }} as integer)
        end as {{ feature.name }}_bin_index,
        {%- endfor %}
        converted

    from session_features

),

binned as (

    -- one pass over the pseudo-sessions, counting each combination of the three features'
    -- bins, which each feature then adds up (a pass per feature took 1.8 times as long at
    -- paper scale)
    select
        domain_name,
        {%- for feature in features %}
        {{ feature.name }}_bin_index,
        {%- endfor %}
        count(*) as pseudo_sessions,
        count(case when converted then 1 end) as conversions

    from session_bins

    group by
        {%- for feature in features %}
        {{ feature.name }}_bin_index,
        {%- endfor %}
        domain_name

),

{% for feature in features %}
counted_{{ feature.name }} as (

    select
        domain_name,
        '{{ feature.name }}' as feature_name,
        {{ feature.name }}_bin_index as bin_index,
        cast({{ feature.bin_width }} as double) as bin_width,
        cast(sum(pseudo_sessions) as bigint) as pseudo_sessions,
        cast(sum(conversions) as bigint) as conversions

    from binned

    -- pseudo-sessions without the history (a first visit or purchase) are not binned
    where {{ feature.name }}_bin_index is not null

    group by
        domain_name,
        {{ feature.name }}_bin_index

),

{% endfor %}
counted as (

    {% for feature in features -%}
    select * from counted_{{ feature.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        domain_name,
        feature_name,
        bin_index + 1 as bin_order,
        -- rounded so 0.05-wide bins read 0.15, not 0.15000000000000002
        round(bin_index * bin_width, 6) as bin_lower,
        round((bin_index + 1) * bin_width, 6) as bin_upper,
        pseudo_sessions,
        conversions,
        cast(conversions as double) / pseudo_sessions as conversion_rate,
        cast(pseudo_sessions as double) / sum(pseudo_sessions) over (
            partition by domain_name, feature_name
        ) as share_of_pseudo_sessions

    from counted

)

select * from final
