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

{% for feature in features %}
binned_{{ feature.name }} as (

    select
        domain_name,
        '{{ feature.name }}' as feature_name,
        cast({{ feature.bin_index }} as integer) as bin_index,
        cast({{ feature.bin_width }} as double) as bin_width,
        converted

    from session_features

    where {{ feature.name }} is not null

),

{% endfor %}
unioned as (

    {% for feature in features -%}
    select * from binned_{{ feature.name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

counted as (

    select
        domain_name,
        feature_name,
        bin_index,
        bin_width,
        count(*) as pseudo_sessions,
        count(case when converted then 1 end) as conversions

    from unioned

    group by
        domain_name,
        feature_name,
        bin_index,
        bin_width

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
