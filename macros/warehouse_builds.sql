{#-
  What the warehouse promises (README "What the warehouse promises"): each table is replaced
  in one transaction, so a reader sees a table wholly from one run; tables from different
  runs can sit side by side after a build that stopped half-way or built a selection. The
  table warehouse_builds says which case a warehouse is in: one row per `dbt build` / `run` /
  `seed`, written `started` before the first model and set to `success` or `failed` after
  the last. A newest row still `started` when the file can be opened (DuckDB lets no reader
  in while a build writes) is a build that was killed: rerun it before trusting the marts.
-#}

{% macro warehouse_build_commands() -%}
    {{ return(['build', 'run', 'seed']) }}
{%- endmacro %}


{% macro record_build_start() -%}
    {%- if flags.WHICH not in warehouse_build_commands() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('record_build_start', 'shopper_propensity')()) }}
{%- endmacro %}

{% macro default__record_build_start() -%}
    create table if not exists {{ target.schema }}.warehouse_builds (
        {{ warehouse_builds_columns() }}
    );
    insert into {{ target.schema }}.warehouse_builds
    {{ warehouse_build_started_row() }}
{%- endmacro %}


{% macro warehouse_builds_columns() -%}
    invocation_id {{ dbt.type_string() }},
    command {{ dbt.type_string() }},
    selection {{ dbt.type_string() }},
    started_at timestamp,
    finished_at timestamp,
    status {{ dbt.type_string() }},
    nodes_succeeded integer,
    nodes_not_succeeded integer
{%- endmacro %}


{% macro warehouse_build_started_row() -%}
    {%- set selection = invocation_args_dict.get('select') or [] -%}
    select
        {{ sql_literal(invocation_id) }},
        {{ sql_literal(flags.WHICH) }},
        {{ sql_literal(selection | join(' ') if selection else none) }},
        current_timestamp,
        null,
        'started',
        null,
        null
{%- endmacro %}


{% macro failed_results(results) -%}
    {#- The results of nodes that did not do their work: errors, failed tests, and nodes skipped
        because something upstream failed. A warning or a no-op (an exposure) is no failure. -#}
    {{ return(results | selectattr('status', 'in', ['error', 'fail', 'skipped', 'runtime error', 'partial success'])
        | list) }}
{%- endmacro %}


{% macro build_outcome(results) -%}
    {#- (status, nodes succeeded, nodes not succeeded) of a finished invocation. -#}
    {%- set not_succeeded = failed_results(results) | length -%}
    {{ return(('success' if not_succeeded == 0 else 'failed', (results | length) - not_succeeded, not_succeeded)) }}
{%- endmacro %}


{% macro record_build_end(results) -%}
    {%- if flags.WHICH not in warehouse_build_commands() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('record_build_end', 'shopper_propensity')(results)) }}
{%- endmacro %}

{% macro default__record_build_end(results) -%}
    {%- set status, succeeded, not_succeeded = build_outcome(results) -%}
    update {{ target.schema }}.warehouse_builds
    set
        finished_at = current_timestamp,
        status = {{ sql_literal(status) }},
        nodes_succeeded = {{ succeeded }},
        nodes_not_succeeded = {{ not_succeeded }}
    where invocation_id = {{ sql_literal(invocation_id) }}
{%- endmacro %}
