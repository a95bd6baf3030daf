{#-
  The daily target lists as files (shopper_propensity.serving.target_lists; README "Daily target
  lists"): after a `dbt build` / `dbt run` that built daily_target_lists and in which nothing
  failed, its rows are written per domain to Parquet and CSV in the run date's folder,
  <exports_dir>/target_lists/run_date=<run_date>/, which replaces an earlier export of that run
  date whole. DuckDB only: on Spark the table daily_target_lists is the hand-off.
-#}

{% macro export_target_lists(results) -%}
    {{ return(adapter.dispatch('export_target_lists', 'shopper_propensity')(results)) }}
{%- endmacro %}


{% macro default__export_target_lists(results) -%}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb__export_target_lists(results) -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or failed_results(results) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set built = results | selectattr('node.name', 'equalto', 'daily_target_lists')
        | selectattr('status', 'equalto', 'success') | list -%}
    {%- if not built -%}
        {{ return('') }}
    {%- endif -%}
    {%- set node = built[0].node -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- set run_dates = run_query("select distinct cast(run_date as varchar) from " ~ relation).columns[0].values() -%}
    {%- if run_dates | length != 1 -%}
        {{ log("Target lists not exported: daily_target_lists has no rows (nobody to contact, or no scores)",
               info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set run_date = run_dates[0] -%}
    {%- set folder = run_query("select shopper_target_lists_begin(" ~ sql_literal(exports_dir()) ~ ", "
        ~ sql_literal(run_date) ~ ")").columns[0].values()[0] -%}
    {%- set domains = run_query("select distinct domain_name, shopper_target_list_file(domain_name) from "
        ~ relation ~ " order by 1") -%}
    {%- for domain in domains.rows -%}
        {%- set rows = "select * from " ~ relation ~ " where domain_name = " ~ sql_literal(domain[0])
            ~ " order by target_rank" -%}
        {%- do run_query("copy (" ~ rows ~ ") to " ~ sql_literal(folder ~ '/' ~ domain[1] ~ '.parquet')
            ~ " (" ~ served_file_options() ~ ")") -%}
        {%- do run_query("copy (" ~ rows ~ ") to " ~ sql_literal(folder ~ '/' ~ domain[1] ~ '.csv')
            ~ " (format csv, header true)") -%}
    {%- endfor -%}
    {%- set summary = run_query("select shopper_target_lists_publish(" ~ sql_literal(exports_dir()) ~ ", "
        ~ sql_literal(run_date) ~ ")").columns[0].values()[0] -%}
    {{ log("Exports: " ~ summary, info=true) }}
    {{ return('') }}
{%- endmacro %}
