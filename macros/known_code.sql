{% macro known_code(column_name, min_code, max_code) -%}
    {#- Panel demographics mark unknown with 99 or -88; anything outside the valid band becomes NULL. -#}
    case when {{ column_name }} between {{ min_code }} and {{ max_code }} then {{ column_name }} end
{%- endmacro %}
