{#- warehouse_builds on Spark (macros/warehouse_builds.sql says what it promises). Spark's Parquet
    tables take no UPDATE, so the end of a build rewrites the small table with its row set to
    the outcome, through a copy that replaces it. The hooks run statement by statement: the
    session method runs one statement per query. -#}

{% macro spark__record_build_start() -%}
    {%- do run_query('create schema if not exists ' ~ target.schema) -%}
    {%- do run_query('create table if not exists ' ~ target.schema ~ '.warehouse_builds ('
                     ~ warehouse_builds_columns() ~ ') using parquet') -%}
    {%- do run_query('insert into ' ~ target.schema ~ '.warehouse_builds ' ~ warehouse_build_started_row()) -%}
    {{ return('') }}
{%- endmacro %}


{% macro spark__record_build_end(results) -%}
    {%- set status, succeeded, not_succeeded = build_outcome(results) -%}
    {%- set table = target.schema ~ '.warehouse_builds' -%}
    {%- set this_build = 'invocation_id = ' ~ sql_literal(invocation_id) -%}
    {%- do run_query('drop table if exists ' ~ table ~ '__next') -%}
    {%- do run_query(
        'create table ' ~ table ~ '__next using parquet as select invocation_id, command, selection, started_at,'
        ~ ' case when ' ~ this_build ~ ' then current_timestamp else finished_at end as finished_at,'
        ~ ' case when ' ~ this_build ~ ' then ' ~ sql_literal(status) ~ ' else status end as status,'
        ~ ' case when ' ~ this_build ~ ' then ' ~ succeeded ~ ' else nodes_succeeded end as nodes_succeeded,'
        ~ ' case when ' ~ this_build ~ ' then ' ~ not_succeeded ~ ' else nodes_not_succeeded end as nodes_not_succeeded'
        ~ ' from ' ~ table
    ) -%}
    {%- do run_query('drop table ' ~ table) -%}
    {%- do run_query('alter table ' ~ table ~ '__next rename to ' ~ table) -%}
    {{ return('') }}
{%- endmacro %}
