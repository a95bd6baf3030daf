{#-
  The repeat-purchase forecast's calendar (issue 20), read from vars once: the horizon in days
  and the number of training cutoffs, each a positive whole number.
-#}

{% macro repeat_positive_var(name) -%}
    {#- While dbt parses (execute false) any number renders the same SQL shape. -#}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set value = var(name) -%}
    {%- set number = value | int(-1) -%}
    {%- if number < 1 or (value | string | trim) != (number | string) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a positive whole number, got " ~ sql_literal(value | string)
        ) }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}


{% macro repeat_horizon_days() -%}
    {{ return(repeat_positive_var('repeat_horizon_days')) }}
{%- endmacro %}


{% macro repeat_training_cutoffs() -%}
    {{ return(repeat_positive_var('repeat_training_cutoffs')) }}
{%- endmacro %}
