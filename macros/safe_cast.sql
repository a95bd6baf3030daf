{% macro duckdb__safe_cast(field, type) -%}
    {#- dbt's default safe_cast is a plain cast, which fails the whole query on one bad value;
        DuckDB's try_cast returns NULL instead, so the row can be set aside as a reject. -#}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
