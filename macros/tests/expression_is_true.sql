{% test expression_is_true(model, expression) %}
{#- Rows for which a boolean SQL expression does not hold (NULL counts as not holding). -#}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
