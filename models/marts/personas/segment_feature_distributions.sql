-- Distribution of each behavioural feature within each persona (document 000 Fig. 11): users
-- with a value, and the 5th, 25th, 50th, 75th and 95th percentiles and mean, for box plots.
-- Days since the last purchase joins the clustered features as document 000's recency panel.
{%- set features = segment_behavior_features() + ['days_since_last_purchase'] %}
{%- set percentiles = [5, 25, 50, 75, 95] %}

with

user_segments as (

    select * from {{ ref('user_segments') }}

),

user_rfm as (

    select * from {{ ref('user_rfm') }}

),

segmented_users as (

    select
        user_segments.domain_name,
        user_segments.segment_id,
        {%- for feature in features %}
        user_rfm.{{ feature }},
        {%- endfor %}
        user_segments.persona
    from user_segments

    inner join user_rfm
        on user_segments.machine_id = user_rfm.machine_id
        and user_segments.domain_name = user_rfm.domain_name

),

{% for feature in features %}
distribution_{{ feature }} as (

    select
        domain_name,
        segment_id,
        persona,
        '{{ feature }}' as feature_name,
        {{ loop.index }} as feature_order,
        count(*) as users,
        count({{ feature }}) as users_with_value,
        {% for pct in percentiles -%}
        {{ percentile('cast(' ~ feature ~ ' as double)', pct / 100) }} as p{{ '%02d' % pct }},
        {% endfor -%}
        {{ stable_avg(feature) }} as mean_value

    from segmented_users

    group by
        domain_name,
        segment_id,
        persona

),

{% endfor %}
final as (

    {% for feature in features -%}
    select * from distribution_{{ feature }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
