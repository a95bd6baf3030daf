-- One row per persona segment: size, share, median and mean of each behavioural feature,
-- standardized centroid values for a radar chart, conversion and spend (documents 000 §6.3, 002).
{%- set features = segment_behavior_features() %}

with

user_segments as (

    select * from {{ ref('user_segments') }}

),

user_rfm as (

    select * from {{ ref('user_rfm') }}

),

persona_descriptions as (

    select * from {{ ref('persona_descriptions') }}

),

segmented_users as (

    select
        user_segments.domain_name,
        user_segments.segment_id,
        user_segments.persona,
        {% for feature in features -%}
        user_segments.z_{{ feature }},
        user_rfm.{{ feature }},
        {% endfor -%}
        user_rfm.days_since_last_purchase,
        user_rfm.purchase_days,
        user_rfm.total_spend_usd

    from user_segments

    inner join user_rfm
        on user_segments.machine_id = user_rfm.machine_id
        and user_segments.domain_name = user_rfm.domain_name

),

profiles as (

    select
        domain_name,
        segment_id,
        persona,
        count(*) as users,
        {% for feature in features -%}
        {{ median(feature) }} as median_{{ feature }},
        {{ stable_avg(feature) }} as mean_{{ feature }},
        {{ stable_avg('z_' ~ feature) }} as radar_{{ feature }},
        {% endfor -%}
        {{ median('days_since_last_purchase') }} as median_days_since_last_purchase,
        {{ median('purchase_days') }} as median_purchase_days,
        cast(sum(purchase_days) as double) / sum(frequency_days) as conversion_rate,
        {{ money('sum(total_spend_usd)') }} as total_spend_usd,
        {{ money_avg("total_spend_usd") }} as avg_spend_per_user_usd

    from segmented_users

    group by
        domain_name,
        segment_id,
        persona

),

final as (

    select
        profiles.*,
        cast(profiles.users as double) / sum(profiles.users) over (partition by profiles.domain_name) as share_of_users,
        coalesce(
            persona_descriptions.persona_description,
            'Named by its strongest deviations from the average user: ' || profiles.persona || '.'
        ) as persona_description

    from profiles

    left join persona_descriptions
        on profiles.persona = persona_descriptions.persona

)

select * from final
