{#-
  Lock-free serving (shopper_propensity.serving; README "Serving BI tools"). After every
  `dbt build` / `dbt run` in which nothing failed, each served mart - a model with an enforced
  contract, i.e. every model under models/marts - is written to Parquet in a new build folder
  of the exports folder (a large date-grained mart as one file per month, meta
  served_parts_by_month; a file the previous build holds unchanged is linked, not rewritten),
  and readers are switched to it in one step: `current` points at it and serving.duckdb holds
  a view per mart over current/. BI tools open serving.duckdb or the
  Parquet files, never the warehouse, so they never block a build and a build never fails
  because of them. A build that fails publishes nothing: readers keep the last complete one.

  Why a post-build step rather than dbt-duckdb's `external` materialization: an external
  model writes its file when it is built, in the middle of the run, in place; readers would
  see marts of two runs side by side (and of a failed run), a file half written, and the
  served models would lose their enforced contracts and their tables in the warehouse, which
  the tests, the analyses and the Python models read.
-#}

{% macro exports_dir() -%}
    {{ return(var('exports_dir') or env_var('SHOPPER_EXPORTS_DIR', 'exports')) }}
{%- endmacro %}


{% macro served_file_options() -%}
    {#- How a served Parquet file is written. zstd at level 1: at paper scale session_scores'
        file took 0.78 s against 1.01 s at the default level 3, and came out smaller (63 MB
        against 65 MB: its random keys do not compress further). Part of a file's layout, so a
        build never links a file an earlier build wrote otherwise. -#}
    {{ return('format parquet, compression zstd, compression_level 1') }}
{%- endmacro %}


{% macro served_marts() -%}
    {#- The served marts: every model whose contract is enforced (all of models/marts). -#}
    {{ return(graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('config.contract.enforced') | sort(attribute='name') | list) }}
{%- endmacro %}


{% macro served_mart_order(node) -%}
    {#- The order a served mart's file is written in: the grain its YAML declares, which the
        build's tests hold it to - the columns of its unique_combination_of_columns test, else
        its first column tested unique - else every column. At paper scale session_features'
        file took 6.8 s sorted on its surrogate key against 5.2 s on (machine_id, event_date,
        domain_name) and more on every column; the key orders the rows the same way each run. -#}
    {%- set tests = graph.nodes.values() | selectattr('resource_type', 'equalto', 'test')
        | selectattr('attached_node', 'equalto', node.unique_id) | selectattr('test_metadata')
        | sort(attribute='unique_id') | list -%}
    {%- for test in tests if test.test_metadata.name == 'unique_combination_of_columns' -%}
        {%- if loop.first -%}
            {%- set quoted = [] -%}
            {%- for column in test.test_metadata.kwargs.combination_of_columns -%}
                {%- do quoted.append(adapter.quote(column)) -%}
            {%- endfor -%}
            {{ return(quoted | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set unique_columns = tests | selectattr('test_metadata.name', 'equalto', 'unique')
        | map(attribute='column_name') | list -%}
    {%- for column in node.columns if column in unique_columns -%}
        {%- if loop.first -%}{{ return(adapter.quote(column)) }}{%- endif -%}
    {%- endfor -%}
    {{ return('all') }}
{%- endmacro %}


{% macro served_mart_parts(relation, part_by) -%}
    {#- A served mart's parts as the warehouse holds them: [{part, rows, fingerprint}], the
        fingerprint being the sum of its rows' hashes. One part ('all') unless the mart is
        served in monthly parts by the date column `part_by` ('YYYY-MM', 'undated' for NULL). -#}
    {%- if part_by is none -%}
        {%- set part = "'all'" -%}
    {%- else -%}
        {%- set part = "coalesce(strftime(date_trunc('month', " ~ adapter.quote(part_by) ~ "), '%Y-%m'), 'undated')" -%}
    {%- endif -%}
    {%- set fingerprinted -%}
        select
            {{ part }} as part,
            count(*) as row_count,
            cast(coalesce(sum(hash(*columns(*))), 0) as varchar) as fingerprint
        from {{ relation }}
        {{ 'group by 1 order by 1' if part_by is not none }}
    {%- endset -%}
    {%- set parts = [] -%}
    {%- for row in run_query(fingerprinted).rows -%}
        {%- do parts.append({'part': row[0], 'rows': row[1] | int, 'fingerprint': row[2]}) -%}
    {%- endfor -%}
    {#- an empty mart in parts is one empty file, so that readers still find its columns -#}
    {{ return(parts or [{'part': 'empty', 'rows': 0, 'fingerprint': '0'}]) }}
{%- endmacro %}


{% macro served_part_filter(part_by, part) -%}
    {#- The rows of one part (served_mart_parts): a month as a date range, which the table's
        zone maps skip to. -#}
    {%- if part_by is none or part == 'empty' -%}
        {{ return('true') }}
    {%- elif part == 'undated' -%}
        {{ return(adapter.quote(part_by) ~ ' is null') }}
    {%- endif -%}
    {%- set month_start = 'cast(' ~ sql_literal(part ~ '-01') ~ ' as date)' -%}
    {{ return(adapter.quote(part_by) ~ ' >= ' ~ month_start ~ ' and ' ~ adapter.quote(part_by) ~ ' < cast('
        ~ month_start ~ ' + interval 1 month as date)') }}
{%- endmacro %}


{% macro publish_served_marts(results) -%}
    {{ return(adapter.dispatch('publish_served_marts', 'shopper_propensity')(results)) }}
{%- endmacro %}


{% macro default__publish_served_marts(results) -%}
    {#- Other adapters serve BI from their own warehouse; the exports are DuckDB's answer to its
        single-writer lock. -#}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb__publish_served_marts(results) -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set failed = failed_results(results) -%}
    {%- if failed -%}
        {{ log("Exports not published: " ~ failed | length ~ " node(s) failed; BI tools keep the last complete build",
               info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set build_id = run_started_at.strftime('%Y%m%dT%H%M%SZ') ~ '-' ~ invocation_id[:8] -%}
    {%- set marts = [] -%}
    {%- for node in served_marts() -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- do marts.append({'node': node, 'relation': relation}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not marts -%}
        {{ return('') }}
    {%- endif -%}
    {%- set folder = run_query("select shopper_serving_begin(" ~ sql_literal(exports_dir()) ~ ", "
        ~ sql_literal(build_id) ~ ")").columns[0].values()[0] -%}
    {%- set build = {
        'invocation_id': invocation_id,
        'command': flags.WHICH,
        'selection': (invocation_args_dict.get('select') or []) | join(' ') or none,
        'started_at': run_started_at.isoformat(),
        'marts': [],
    } -%}
    {%- for mart in marts -%}
        {%- set part_by = mart.node.config.meta.get('served_parts_by_month') -%}
        {%- set order = served_mart_order(mart.node) -%}
        {%- set columns = [] -%}
        {%- set types = [] -%}
        {%- for column in mart.node.columns.values() -%}
            {%- do columns.append({'name': column.name, 'description': column.description | trim}) -%}
            {%- do types.append([column.name, column.data_type]) -%}
        {%- endfor -%}
        {#- a part is reused only from a build that wrote it the same way (shopper_propensity.serving.publish) -#}
        {%- set staged = {
            'name': mart.node.name,
            'layout': tojson({'columns': types, 'order': order, 'parts_by_month': part_by,
                              'file': served_file_options()}),
            'parted': part_by is not none,
            'parts': served_mart_parts(mart.relation, part_by),
        } -%}
        {%- set to_write = fromjson(run_query("select shopper_serving_stage(" ~ sql_literal(exports_dir()) ~ ", "
            ~ sql_literal(build_id) ~ ", " ~ sql_literal(tojson(staged)) ~ ")").columns[0].values()[0]) -%}
        {%- for part in to_write -%}
            {#- rows in a fixed order: the same marts give byte-identical files -#}
            {%- do run_query("copy (select * from " ~ mart.relation ~ " where " ~ served_part_filter(part_by, part.part)
                ~ " order by " ~ order ~ ") to " ~ sql_literal(part.path) ~ " (" ~ served_file_options() ~ ")") -%}
        {%- endfor -%}
        {%- do staged.update({'description': mart.node.description | trim, 'columns': columns}) -%}
        {%- do build.marts.append(staged) -%}
    {%- endfor -%}
    {%- set summary = run_query("select shopper_serving_publish(" ~ sql_literal(exports_dir()) ~ ", "
        ~ sql_literal(build_id) ~ ", " ~ sql_literal(tojson(build)) ~ ")").columns[0].values()[0] -%}
    {{ log("Exports: " ~ summary, info=true) }}
    {{ return('') }}
{%- endmacro %}
