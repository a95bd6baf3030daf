{% macro segment_behavior_features() -%}
    {#- user_rfm's behavioural features the personas are clustered on (document 000 §6.1), as
        user_segments carries them standardized (z_<feature>). Mirrors
        shopper_propensity.personas.segmentation.BEHAVIOR_FEATURES. -#}
    {{ return([
        'frequency_days',
        'avg_days_between_purchases',
        'avg_basket_spend_usd',
        'avg_pages_per_session',
        'avg_duration_minutes_per_session',
    ]) }}
{%- endmacro %}
