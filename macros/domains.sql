{#-
  Domain groups. Models are trained on var primary_domain and scored, without retuning, on
  every other domain; results are reported per domain and for the other domains pooled
  (document 000 §7-8). The pooled group's name and who belongs to it are written here once.
-#}

{% macro is_primary_domain(domain_column='domain_name') -%}
    {{ domain_column }} = {{ sql_literal(var('primary_domain')) }}
{%- endmacro %}


{% macro non_primary_domains_group() -%}
    {#- The name of the pooled group, as a domain_group value. -#}
    {{ return('all non-primary domains') }}
{%- endmacro %}


{% macro rows_by_domain_group(relation, columns, group_column='domain_group', where=none, pooled_where=none) -%}
    {#-
      Every row of `relation` under its own domain and, when it is not on the primary domain,
      once more under the pooled group: a union whose first column is `group_column`, then
      `columns` (SQL expressions, aliased where needed). `where` filters both halves,
      `pooled_where` the pooled half only.
    -#}
    select
        domain_name as {{ group_column }},
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}

    union all

    select
        {{ sql_literal(non_primary_domains_group()) }} as {{ group_column }},
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    where not ({{ is_primary_domain() }})
        {%- if where %}
        and {{ where }}
        {%- endif %}
        {%- if pooled_where %}
        and {{ pooled_where }}
        {%- endif %}
{%- endmacro %}
