{#- Bucket labels used by the features and the insight marts (document 000 §5). -#}

{% macro pages_viewed_bucket(column_name) -%}
    case
        when {{ column_name }} <= 1 then '1'
        when {{ column_name }} <= 3 then '2-3'
        when {{ column_name }} <= 5 then '4-5'
        when {{ column_name }} <= 10 then '6-10'
        when {{ column_name }} <= 20 then '11-20'
        when {{ column_name }} <= 50 then '21-50'
        else '51+'
    end
{%- endmacro %}


{% macro duration_bucket(column_name) -%}
    case
        when {{ column_name }} < 1 then '<1 min'
        when {{ column_name }} < 5 then '1-4 min'
        when {{ column_name }} < 10 then '5-9 min'
        when {{ column_name }} < 20 then '10-19 min'
        when {{ column_name }} < 30 then '20-29 min'
        when {{ column_name }} < 60 then '30-59 min'
        else '60+ min'
    end
{%- endmacro %}


{% macro day_of_week_name(iso_day_column) -%}
    case {{ iso_day_column }}
        when 1 then 'Mon' when 2 then 'Tue' when 3 then 'Wed' when 4 then 'Thu'
        when 5 then 'Fri' when 6 then 'Sat' when 7 then 'Sun'
    end
{%- endmacro %}


{% macro iso_day_of_week(date_column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'shopper_propensity')(date_column)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_column) -%}
    cast(extract(isodow from {{ date_column }}) as integer)
{%- endmacro %}

{% macro spark__iso_day_of_week(date_column) -%}
    cast(extract(dayofweek_iso from {{ date_column }}) as integer)
{%- endmacro %}


{% macro hour_of_time(time_column) -%}
    {#- The hour (0-23) of a time of day (the contract's time type, see macros/spark/casts.sql). -#}
    {{ return(adapter.dispatch('hour_of_time', 'shopper_propensity')(time_column)) }}
{%- endmacro %}

{% macro default__hour_of_time(time_column) -%}
    cast(extract(hour from {{ time_column }}) as integer)
{%- endmacro %}
