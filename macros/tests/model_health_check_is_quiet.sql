{% test model_health_check_is_quiet(model, check_name) %}
{#- The fired rows of one model_health check; each carries its numbers in message. Severity
    comes from var model_health_severity (warn, or error to gate CI on a weak model). -#}
select
    check_name,
    subject,
    observed_value,
    limit_value,
    message
from {{ model }}
where check_name = '{{ check_name }}'
    and is_fired
{% endtest %}
