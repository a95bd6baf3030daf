{#-
  Schemas by layer: staging (base and stg models, seeds), intermediate, ml (the Python models:
  the model registry, raw predictions, and the stages behind the ml_* marts), and the marts in
  the target's own schema (main).

  dbt's default writes a custom schema as <target schema>_<custom> (main_staging), a prefix that
  keeps developers apart in one shared database. Here each developer and CI build their own
  DuckDB file, so the prefix would buy nothing, and the plain names are what a BI tool or the
  serving file shows. The marts take no custom schema: main is where a BI tool connected to
  DuckDB looks first and where a bare name resolves, so every mart keeps the name it had.
-#}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}


{% macro drop_relations_left_in_other_schemas() -%}
    {#-
      A relation named like one of the project's models or seeds but in another schema of the
      warehouse is a copy a model left where it used to be built (before the schemas by layer,
      all sat in main): stale, and in main a BI tool would take it for a mart. Dropped before
      any model runs (on-run-start); names dbt does not own are never touched.
    -#}
    {%- if not execute or flags.WHICH not in warehouse_build_commands() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('drop_relations_left_in_other_schemas', 'shopper_propensity')()) }}
{%- endmacro %}


{% macro default__drop_relations_left_in_other_schemas() -%}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb__drop_relations_left_in_other_schemas() -%}
    {%- set homes = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed') -%}
        {%- do homes.update({node.alias: node.schema}) -%}
    {%- endfor -%}
    {%- set listing -%}
        select table_schema, table_name, table_type
        from information_schema.tables
        where table_catalog = {{ sql_literal(target.database) }}
    {%- endset -%}
    {#- outside a transaction: the drops are this hook's statements, which run on their own -#}
    {%- set found = adapter.execute(listing, auto_begin=False, fetch=True)[1] -%}
    {%- set drops = [] -%}
    {%- for schema, name, kind in found.rows if name in homes and homes[name] != schema -%}
        {%- set stale = api.Relation.create(database=target.database, schema=schema, identifier=name) -%}
        {{ log("Dropping " ~ stale ~ ": a stale copy (" ~ name ~ " is built in " ~ homes[name] ~ ")", info=true) }}
        {%- do drops.append('drop ' ~ ('view' if kind == 'VIEW' else 'table') ~ ' if exists ' ~ stale) -%}
    {%- endfor -%}
    {{ return(drops | join(';\n')) }}
{%- endmacro %}
