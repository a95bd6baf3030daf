{% test unique_combination_of_columns(model, combination_of_columns) %}
{#- The grain of a model with a composite key: no combination appears twice. -#}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
