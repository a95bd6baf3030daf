{#-
  The one way a value from a var, an env var, a file path or a list setting enters SQL: as a
  literal, never as SQL text.

  Text is quoted with its single quotes doubled, so no value can end the literal early
  (`o'brien; drop table x` stays one string). Numbers are written bare only when they are
  numbers; anything else is quoted, so a crafted "0.5) union select ..." is a string that
  the surrounding cast rejects. None becomes null. shopper_propensity.sql_literals.sql_literal is
  the same rule for the Python models' relation filters.

  The sources YAMLs cannot call macros (dbt renders them before macros exist): they hand
  the panel folder to DuckDB percent-encoded, see _comscore__sources.yml.
-#}

{% macro sql_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {%- if (value | string | lower) in ('nan', 'inf', '-inf') -%}
            {{ exceptions.raise_compiler_error("A non-finite number cannot be a SQL literal: " ~ value) }}
        {%- endif -%}
        {{ value }}
    {%- else -%}
        {{ adapter.dispatch('text_literal', 'shopper_propensity')(value | string) }}
    {%- endif -%}
{%- endmacro %}


{% macro default__text_literal(text) -%}
    '{{ text.replace("'", "''") }}'
{%- endmacro %}


{% macro sql_literal_list(values) -%}
    {#- A parenthesised list of literals, for `in (...)`. -#}
    ({% for value in values %}{{ sql_literal(value) }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}


{% macro list_setting(value) -%}
    {#- A list var given as a YAML list or as comma-separated text (how --vars often passes it). -#}
    {%- if value is string -%}
        {{ return(value.split(',') | map('trim') | reject('equalto', '') | list) }}
    {%- endif -%}
    {{ return(value | list) }}
{%- endmacro %}
