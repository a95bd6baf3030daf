{% macro surrogate_key(column_names) -%}
    {#- Hash of the columns' text forms, '|'-separated; NULL becomes '' (as dbt_utils does). -#}
    {%- set parts = [] -%}
    {%- for column_name in column_names -%}
        {%- do parts.append("coalesce(cast(" ~ column_name ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
