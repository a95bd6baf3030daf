{#-
  Served marts (models/marts) have enforced contracts: the YAML next to each mart lists every
  column with its data_type and description, dbt refuses a build whose SQL gives another name
  or type, and persist_docs writes the descriptions into the warehouse as comments (both set
  for the whole folder in dbt_project.yml). Counts are BIGINT, recorded money DECIMAL(18,2)
  (macros/exact_numbers.sql), and no served column is HUGEINT, UBIGINT or BLOB, which Parquet
  and BI tools read as something else or not at all (tests/python/test_served_marts.py).
-#}

{% macro cast_to_contract(relation, not_served=[]) -%}
    {#-
      The select list of a thin mart serving a Python model's output: each column its contract
      declares, cast to the declared type, so the YAML is the one home of the served types
      (pandas can hand an empty frame's columns over as VARCHAR). A column of the Python output
      that the contract leaves out, unless named in `not_served`, stops the build, naming it:
      the served interface changes only through its YAML. Before the YAML is attached (dbt
      parse, the linter) it is `*`.
    -#}
    {%- set declared = model.columns.values() | list -%}
    {%- if not declared -%}
        *
    {%- else -%}
        {%- if execute -%}
            {%- set names = declared | map(attribute='name') | list -%}
            {%- set undeclared = adapter.get_columns_in_relation(relation) | map(attribute='name')
                | reject('in', names) | reject('in', not_served) | list -%}
            {%- if undeclared -%}
                {{ exceptions.raise_compiler_error(
                    relation ~ " has column(s) " ~ undeclared | join(', ') ~ " that the contract of "
                    ~ model.name ~ " does not declare: add them to its YAML (data_type, description)"
                ) }}
            {%- endif -%}
        {%- endif -%}
        {%- for column in declared %}
        {{ dbt.cast(adapter.quote(column.name), column.data_type) }} as {{ adapter.quote(column.name) }}
        {{- "," if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
