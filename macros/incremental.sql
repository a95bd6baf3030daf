{#-
  Incremental builds by date (README "Daily builds"). On DuckDB the large date-grained models -
  the typed panel rows, the pseudo-session roll-ups and their join, the orders, session_features
  and the users' monthly visits (by month) - rebuild only a slice: every row dated from the
  slice start on. The slice start is the newest date the table already holds minus var
  incremental_lookback_days (so late rows dated inside the lookback are picked up), or var
  incremental_rebuild_from when that is earlier. The slice is deleted and built again from its
  inputs (strategy date_slice), so every rebuilt day is exactly what a full build gives.
  `--full-refresh` rebuilds all; on Spark these models are plain tables (incremental_by_date).
-#}

{% macro incremental_by_date(date_column, built_rows=none, by_month_through=none) -%}
    {#- The config of a model built incrementally by date_column. built_rows: the condition of
        the rows whose newest date counts as built (a base model's kept rows: a rejected row
        may carry a date in the future); none = every row. by_month_through: date_column holds
        the first day of a calendar month and this column the month's last day with data, so
        a slice is counted back from that day and starts at the first day of its month. -#}
    {{ return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'date_slice',
        'unique_key': date_column,
        'on_schema_change': 'fail',
        'meta': {'slice_built_rows': built_rows, 'slice_by_month_through': by_month_through},
    }) }}
{%- endmacro %}


{% macro incremental_slice_start() -%}
    {#- The first date ('YYYY-MM-DD') this incremental run of the current model rebuilds; none
        when it builds everything (not incremental, or the table holds no dated row yet). Read
        from the table as it stands before the run, so the model's filter and the strategy's
        delete agree. -#}
    {#- a unit test renders the model without a relation of its own: the full build's SQL -#}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built_rows = config.get('meta', {}).get('slice_built_rows') -%}
    {%- set by_month_through = config.get('meta', {}).get('slice_by_month_through') -%}
    {%- set newest = 'max(' ~ (by_month_through or config.get('unique_key')) ~ ')' -%}
    {%- set newest_minus_lookback -%}
        select cast({{ dbt.dateadd('day', -1 * (var('incremental_lookback_days') | int), newest) }} as date)
        from {{ this }}
        {%- if built_rows %}
        where {{ built_rows }}
        {%- endif %}
    {%- endset -%}
    {%- set found = run_query(newest_minus_lookback).columns[0].values()[0] -%}
    {%- set start = found | string if found is not none else none -%}
    {%- set rebuild_from = var('incremental_rebuild_from') -%}
    {%- if rebuild_from and start and (rebuild_from | string) < start -%}
        {%- set start = rebuild_from | string -%}
    {%- endif -%}
    {#- a table by month rebuilds every month a rebuilt day falls in -#}
    {%- if start and by_month_through -%}
        {%- set start = start[:8] ~ '01' -%}
    {%- endif -%}
    {{ return(start) }}
{%- endmacro %}


{% macro incremental_slice_predicate(date_column, slice_start) -%}
    {#- The rows of the slice: dated from slice_start on, or undated (a base model's row whose
        date is missing or malformed is a reject, read again every run). -#}
    ({{ date_column }} >= cast({{ sql_literal(slice_start) }} as date) or {{ date_column }} is null)
{%- endmacro %}


{% macro incremental_slice_filter(date_column) -%}
    {#- `where <the slice>` for a model's import CTE in an incremental run; nothing otherwise. -#}
    {%- set slice_start = incremental_slice_start() -%}
    {%- if slice_start -%}
    where {{ incremental_slice_predicate(date_column, slice_start) }}
    {%- endif -%}
{%- endmacro %}


{% macro get_incremental_date_slice_sql(arg_dict) -%}
    {#- Strategy date_slice: delete the slice, insert it rebuilt, and record it for the data
        tests of this invocation (incremental_test_slice). -#}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set slice_start = incremental_slice_start() -%}
    {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set slice = incremental_slice_predicate(arg_dict['unique_key'], slice_start) if slice_start else 'true' -%}
    delete from {{ target_relation }}
    where {{ slice }};

    insert into {{ target_relation }} ({{ columns_csv }})
    select {{ columns_csv }}
    from {{ arg_dict['temp_relation'] }};

    insert into {{ incremental_slices_table() }}
    select
        {{ sql_literal(invocation_id) }},
        {{ sql_literal(target_relation.identifier) }},
        {{ "cast(" ~ sql_literal(slice_start) ~ " as date)" if slice_start else "null" }},
        {{ sql_literal(slice) }},
        current_timestamp
{%- endmacro %}


{% macro get_incremental_append_slice_sql(arg_dict) -%}
    {#- Strategy append_slice, of the Python models kept incrementally (propensity_predictions,
        the monitoring counts; shopper_propensity.incremental.KeptTable): the model has deleted
        what it rebuilds, so its rows are appended, and the slice they start at (unique_key: the
        date column) is recorded for the data tests of this invocation (incremental_test_slice;
        every key of these tables lies within one date, so the rows kept cannot collide with
        them). No rows: an empty slice. -#}
    {%- set date_column = adapter.quote(arg_dict['unique_key']) -%}
    {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    insert into {{ arg_dict['target_relation'] }} ({{ columns_csv }})
    select {{ columns_csv }}
    from {{ arg_dict['temp_relation'] }};

    insert into {{ incremental_slices_table() }}
    select
        {{ sql_literal(invocation_id) }},
        {{ sql_literal(arg_dict['target_relation'].identifier) }},
        min({{ date_column }}),
        coalesce(
            {{ sql_literal(date_column ~ " >= cast('") }}
            || strftime(min({{ date_column }}), '%Y-%m-%d')
            || {{ sql_literal("' as date)") }},
            'false'
        ),
        current_timestamp
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{% macro incremental_slices_table() -%}
    {#- The log of incremental slices: one row per model and incremental run, next to
        warehouse_builds. -#}
    {{ return(target.schema ~ '.incremental_slices') }}
{%- endmacro %}


{% macro create_incremental_slices_table() -%}
    {#- Run before any model (on-run-start): models built side by side append to the log, and
        two threads creating it at once would conflict. DuckDB only (no incremental models elsewhere). -#}
    {%- if target.type != 'duckdb' or flags.WHICH not in warehouse_build_commands() -%}
        {{ return('') }}
    {%- endif -%}
    create table if not exists {{ incremental_slices_table() }} (
        invocation_id {{ dbt.type_string() }},
        model_name {{ dbt.type_string() }},
        slice_start date,
        slice_predicate {{ dbt.type_string() }},
        recorded_at timestamp
    )
{%- endmacro %}


{% macro incremental_test_slice(relation) -%}
    {#- The rows a data test on `relation` checks: the slice this invocation rebuilt when it
        built the model incrementally, else every row (a full build, `dbt test` on its own, Spark).
        A view over one such model (the staging views) is checked on its parent's slice: it
        passes the rebuilt rows through under the same date column. -#}
    {%- if not execute or target.type != 'duckdb' or flags.FULL_REFRESH -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set log_table = adapter.get_relation(database=target.database, schema=target.schema,
                                             identifier='incremental_slices') -%}
    {%- if log_table is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set names = [relation.identifier] -%}
    {#- the model by its id (its relation's name is its name here), not a scan of the graph per test -#}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ relation.identifier) -%}
    {%- if node and node.schema == relation.schema and node.config.materialized == 'view' -%}
        {%- set parents = [] -%}
        {%- for parent in node.depends_on.nodes if parent.startswith('model.') -%}
            {%- do parents.append(graph.nodes[parent].alias) -%}
        {%- endfor -%}
        {%- if parents | length == 1 -%}
            {%- do names.extend(parents) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set recorded -%}
        select slice_predicate
        from {{ log_table }}
        where invocation_id = {{ sql_literal(invocation_id) }}
            and model_name in {{ sql_literal_list(names) }}
    {%- endset -%}
    {%- set found = run_query(recorded).columns[0].values() -%}
    {{ return(found[0] if found else 'true') }}
{%- endmacro %}


{% macro default__get_where_subquery(relation) -%}
    {#- dbt's `where` of a data test, with __incremental_slice__ standing for the rows the run
        rebuilt (incremental_test_slice): set on the tests of the incremental models' folders
        in dbt_project.yml. -#}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__incremental_slice__', incremental_test_slice(relation)) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
