{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{#- Rows whose value falls outside [min_value, max_value] (open bounds when inclusive is false). -#}
{%- set low = '>=' if inclusive else '>' -%}
{%- set high = '<=' if inclusive else '<' -%}
select *
from {{ model }}
where not (
    1 = 1
    {%- if min_value is not none %} and {{ column_name }} {{ low }} {{ min_value }}{% endif %}
    {%- if max_value is not none %} and {{ column_name }} {{ high }} {{ max_value }}{% endif %}
)
{% endtest %}
