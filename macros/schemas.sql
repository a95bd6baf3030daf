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
