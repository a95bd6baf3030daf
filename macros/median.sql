{% macro percentile(expression, fraction) -%}
    {#- Continuous (interpolated) percentile of an expression, fraction in [0, 1]. -#}
    {{ return(adapter.dispatch('percentile', 'shopper_propensity')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro median(expression) -%}
    {{ percentile(expression, 0.5) }}
{%- endmacro %}
