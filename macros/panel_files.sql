{#- Helpers for the panel export files behind the `comscore` source. -#}

{% macro panel_dir() -%}
    {#- The panel folder. The sources YAMLs (which cannot call a macro) render the same rule;
        tests/python/test_input_contract.py (single layout) and test_daily_files.py (daily, hive)
        prove the files they read are panel_file_path's. -#}
    {{ return(var('panel_dir', env_var('SHOPPER_PANEL_DIR', 'data/panel'))) }}
{%- endmacro %}


{% macro panel_format() -%}
    {{ return(var('panel_format', env_var('SHOPPER_PANEL_FORMAT', 'csv'))) }}
{%- endmacro %}


{% macro panel_layout() -%}
    {#- single: one file per table; daily: a folder of files per table; hive: a folder of
        <date column>=<date> partition folders per table (check_panel_files checks the value). -#}
    {{ return(var('panel_layout', env_var('SHOPPER_PANEL_LAYOUT', 'single'))) }}
{%- endmacro %}


{% macro panel_file_path(table_name) -%}
    {#- The file behind a panel table, or in the daily and hive layouts the pattern of its files:
        single <panel_dir>/<table>.<fmt>; daily <panel_dir>/<table>/*.<fmt>; hive
        <panel_dir>/<table>/**/*.<fmt> (fmt: panel_format, csv or parquet). The truth tables are
        single files in every layout. -#}
    {%- set layout = 'single' if table_name.startswith('truth/') else panel_layout() -%}
    {%- set files = {'daily': '/*.', 'hive': '/**/*.'}.get(layout, '.') -%}
    {{ return(panel_dir() ~ '/' ~ table_name ~ files ~ panel_format()) }}
{%- endmacro %}


{% macro panel_read_options() -%}
    {#- The options, besides header and text columns, with which the sources
        (_comscore__sources.yml renders the same) and the checks read a table's files: hive
        partition folders add their date column; many CSV files are read with the dialect DuckDB
        sniffs in the first one, so the quote is set (RFC 4180's), lest a first file without a
        quoted value make `""` text. -#}
    {%- if panel_format() == 'csv' and panel_layout() != 'single' -%}
    , quote = '"'
    {%- endif -%}
    , hive_partitioning = {{ panel_layout() == 'hive' }}
{%- endmacro %}


{% macro panel_relative_path(path_column) -%}
    {#- A file path as the tables show it: relative to the panel folder, so a copy of the same
        export in another folder builds the same tables, and no local path is served. -#}
    {%- set prefix = sql_literal(panel_dir().rstrip('/') ~ '/') -%}
    case
        when substr({{ path_column }}, 1, length({{ prefix }})) = {{ prefix }}
            then regexp_replace(substr({{ path_column }}, length({{ prefix }}) + 1), '^/+', '')
        else {{ path_column }}
    end
{%- endmacro %}


{% macro panel_file_exists(table_name) -%}
    {#- True at parse time, so the source stays in the DAG whether or not the file is there. -#}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(adapter.dispatch('panel_file_exists', 'shopper_propensity')(table_name)) }}
{%- endmacro %}

{% macro default__panel_file_exists(table_name) -%}
    {%- set found = run_query("select count(*) from glob(" ~ sql_literal(panel_file_path(table_name)) ~ ")") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}


{% macro with_source_types(source_relation, table_name, column_specs) -%}
    {#- The column specs, each with the type the source delivers it as (`source_type`), so the
        checks can skip what the file format already guarantees. Fails early, naming the file
        and the columns, instead of a binder error deep in a view. -#}
    {%- if not execute -%}
        {{ return(column_specs) }}
    {%- endif -%}
    {%- set found = source_column_types(source_relation) -%}
    {%- set missing = column_specs | map(attribute='name') | reject('in', found) | list -%}
    {%- if missing -%}
        {#- many files are read with the columns of the first (DuckDB), which a reader must find -#}
        {%- set first_file = '' if panel_layout() == 'single' else run_query(
            "select file from glob(" ~ sql_literal(panel_file_path(table_name)) ~ ") limit 1").columns[0].values() -%}
        {{ exceptions.raise_compiler_error(
            panel_files_label(table_name) ~ " is missing required column(s): " ~ missing | join(', ')
            ~ ". Columns found: " ~ found.keys() | join(', ')
            ~ (" (every file is read with the columns of the first, " ~ first_file[0] ~ ")" if first_file else "")
        ) }}
    {%- endif -%}
    {%- set typed = [] -%}
    {%- for column in column_specs -%}
        {%- set spec = column.copy() -%}
        {%- do spec.update({'source_type': found[column.name]}) -%}
        {%- do typed.append(spec) -%}
    {%- endfor -%}
    {{ return(typed) }}
{%- endmacro %}


{% macro source_column_types(source_relation) -%}
    {#- {column name (lower case): type (lower case, DuckDB's names)} of a source as its file delivers it. -#}
    {{ return(adapter.dispatch('source_column_types', 'shopper_propensity')(source_relation)) }}
{%- endmacro %}

{% macro default__source_column_types(source_relation) -%}
    {%- set described = run_query("describe select * from " ~ source_relation) -%}
    {%- set found = {} -%}
    {%- for row in described.rows -%}
        {%- do found.update({row['column_name'] | lower: row['column_type'] | lower}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{% macro panel_tables() -%}
    {#- The comscore tables that are validated, kept or rejected, and accounted for. -#}
    {{ return(['sessions', 'transactions', 'campaign_exposures']) }}
{%- endmacro %}


{% macro optional_panel_tables() -%}
    {#- Tables a panel may leave out; their models build empty and say why. Sessions only when
        the panel is declared orders-only (panel_has_sessions). -#}
    {{ return(['campaign_exposures'] if panel_has_sessions() else ['sessions', 'campaign_exposures']) }}
{%- endmacro %}


{% macro panel_has_sessions() -%}
    {#-
      var panel_has_sessions (default true). false declares an orders-only panel: transactions
      without a sessions file (or with a header-only or 0-byte one). Declared, not guessed from
      a missing file: a full panel whose sessions file went missing or came out empty must stop
      the build (issue 13), not quietly turn into an orders-only build.
    -#}
    {%- set text = var('panel_has_sessions') | string | trim | lower -%}
    {%- if text not in ('true', 'false') and execute -%}
        {{ exceptions.raise_compiler_error("var panel_has_sessions must be true or false, got " ~ sql_literal(text)) }}
    {%- endif -%}
    {{ return(text != 'false') }}
{%- endmacro %}


{% macro panel_table_is_read(table_name) -%}
    {#- Whether the base model reads the table's file: an absent optional file, and the sessions
        of an orders-only panel, are not read (their models build empty). -#}
    {%- if table_name == 'sessions' -%}
        {{ return(panel_has_sessions()) }}
    {%- elif table_name in optional_panel_tables() -%}
        {{ return(panel_file_exists(table_name)) }}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}


{% macro orders_only_log_line() -%}
    {#- The one line an orders-only build logs (from base_comscore__sessions). -#}
    {{ return("Orders-only panel (var panel_has_sessions is false): no sessions are read. Everything that needs "
              ~ "only purchases builds (orders, user_rfm purchase side, user_rfm_segments, the repeat-purchase and "
              ~ "customer-value models and marts - without browsing features); the session-level "
              ~ "models and marts (session_features, propensity_*, session_scores, lift/gain/ROI of sessions, "
              ~ "personas, campaign models, domain_summary) build empty.") }}
{%- endmacro %}


{% macro check_panel_files() -%}
    {#-
      Run before any model (on-run-start): every panel file exists, has bytes, has data rows,
      and (CSV) every row has the header's number of columns. One error lists every problem
      with its file, instead of a sniffer guess ("Columns found: column0"), a scikit-learn
      error three stages later, or a staging test failing on a row nobody can find. A
      header-only optional file is no error: it means "no rows", like an absent file.
    -#}
    {%- if not execute or panel_files_ready() -%}
        {{ return('') }}
    {%- endif -%}
    {%- if panel_format() not in ('csv', 'parquet') -%}
        {{ exceptions.raise_compiler_error("The panel format (var panel_format, env SHOPPER_PANEL_FORMAT) is "
                                           ~ sql_literal(panel_format()) ~ "; it must be csv or parquet") }}
    {%- endif -%}
    {%- if panel_layout() not in ('single', 'daily', 'hive') -%}
        {{ exceptions.raise_compiler_error("The panel layout (var panel_layout, env SHOPPER_PANEL_LAYOUT) is "
                                           ~ sql_literal(panel_layout()) ~ "; it must be single, daily or hive") }}
    {%- endif -%}
    {%- do check_panel_layout_is_read() -%}
    {%- set problems = [] -%}
    {%- for table_name in panel_tables() -%}
        {%- set path = panel_file_path(table_name) -%}
        {%- set is_optional = table_name in optional_panel_tables() -%}
        {%- set is_unread = table_name == 'sessions' and not panel_has_sessions() -%}
        {%- set problem = panel_file_problem(path, is_optional, must_have_no_rows=is_unread) -%}
        {%- if problem and is_unread -%}
            {%- set problem = problem ~ ", but var panel_has_sessions is false (an orders-only panel): remove the"
                              ~ " file, or set panel_has_sessions: true to read it" -%}
        {%- elif problem and table_name == 'sessions' and problem.startswith(('does not exist', 'is empty', 'has no data')) -%}
            {%- set problem = problem ~ " (for a panel of orders only, set var panel_has_sessions: false)" -%}
        {%- endif -%}
        {%- if problem -%}
            {%- do problems.append(panel_files_label(table_name) ~ " " ~ problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "The panel cannot be read; no model has run:\n  " ~ problems | join("\n  ")
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro panel_files_label(table_name) -%}
    {#- How messages name a table's file(s): "Panel file <path> (source comscore.<table>)". -#}
    {{ return(('Panel file ' if panel_layout() == 'single' else 'Panel files ') ~ panel_file_path(table_name)
              ~ ' (source comscore.' ~ table_name ~ ')') }}
{%- endmacro %}


{% macro check_panel_layout_is_read() -%}
    {#- Every layout is read on DuckDB; an adapter that reads the single layout only says so. -#}
    {{ return(adapter.dispatch('check_panel_layout_is_read', 'shopper_propensity')()) }}
{%- endmacro %}

{% macro default__check_panel_layout_is_read() -%}
    {{ return('') }}
{%- endmacro %}


{% macro panel_files_ready() -%}
    {#- True in the later dbt steps of the Spark build (shopper_propensity.spark.build): its first
        step checked and registered the files, and no later step reads them. -#}
    {{ return(env_var('SHOPPER_PANEL_FILES_READY', '') == 'true') }}
{%- endmacro %}


{% macro panel_file_problem(path, is_optional, must_have_no_rows=false) -%}
    {#- What is wrong with one panel file, or '' when nothing is. must_have_no_rows: the file is
        not read (the sessions of an orders-only panel), so absent, 0 bytes or a header only is
        right, and data rows are the problem. -#}
    {{ return(adapter.dispatch('panel_file_problem', 'shopper_propensity')(path, is_optional, must_have_no_rows)) }}
{%- endmacro %}

{% macro default__panel_file_problem(path, is_optional, must_have_no_rows) -%}
    {#- In the daily and hive layouts `path` is the pattern of the table's files: a problem of
        one file names it. -#}
    {%- set literal = sql_literal(path) -%}
    {%- set is_many = panel_layout() != 'single' -%}
    {%- set file_count = run_query("select count(*) from glob(" ~ literal ~ ")").columns[0].values()[0] -%}
    {%- if file_count == 0 -%}
        {{ return('' if is_optional else 'does not exist') }}
    {%- endif -%}
    {%- set empty_files = run_query("select filename from read_blob(" ~ literal ~ ")"
                                    ~ " where size = 0 order by filename").columns[0].values() | list -%}
    {%- if empty_files | length == file_count and (must_have_no_rows or not is_many) -%}
        {{ return('' if must_have_no_rows else 'is empty (0 bytes)') }}
    {%- elif empty_files -%}
        {{ return('has ' ~ empty_files | length ~ ' empty file(s) (0 bytes): ' ~ empty_files[:3] | join(', ')) }}
    {%- endif -%}
    {%- if path.endswith('.parquet') -%}
        {%- set data_rows = run_query("select coalesce(sum(num_rows), 0) from parquet_file_metadata(" ~ literal ~ ")").columns[0].values()[0] -%}
    {%- else -%}
        {#- A strict read that records malformed rows instead of failing on the first one, so
            the sniffer is not thrown off by a short row and the message can name its line.
            Every value is hashed: a bare count(*) would not decode the text, and so would
            not see bytes that are not UTF-8. -#}
        {%- do run_query("drop table if exists panel_check_errors") -%}
        {%- do run_query("drop table if exists panel_check_scans") -%}
        {%- set data_rows = run_query(
            "select count(*), sum(hash(columns(*))) from read_csv(" ~ literal ~ ", header = true, all_varchar = true,"
            ~ " store_rejects = true, rejects_table = 'panel_check_errors', rejects_scan = 'panel_check_scans'"
            ~ panel_read_options() ~ ")"
        ).columns[0].values()[0] -%}
        {%- set malformed = run_query(
            "select scans.file_path, errors.line, errors.error_type, errors.error_message"
            ~ " from panel_check_errors as errors inner join panel_check_scans as scans"
            ~ " on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id"
            ~ " order by scans.file_path, errors.line, errors.error_message limit 1"
        ) -%}
        {%- if malformed.rows | length > 0 -%}
            {%- set row = malformed.rows[0] -%}
            {%- set kinds = {'MISSING COLUMNS': 'a short row', 'TOO MANY COLUMNS': 'a row with too many columns',
                             'UNQUOTED VALUE': 'a badly quoted value', 'LINE SIZE OVER MAXIMUM': 'a line too long to read',
                             'INVALID ENCODING': 'bytes that are not UTF-8 (save the file as UTF-8)'} -%}
            {{ return('has ' ~ kinds.get(row['error_type'], 'a malformed row (' ~ row['error_type'] ~ ')')
                      ~ ' at line ' ~ row['line'] ~ (' of ' ~ row['file_path'] if is_many else '')
                      ~ ': ' ~ row['error_message']) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(panel_row_count_problem(data_rows, is_optional, must_have_no_rows, path.endswith('.parquet'))) }}
{%- endmacro %}


{% macro panel_row_count_problem(data_rows, is_optional, must_have_no_rows, is_parquet) -%}
    {#- The rule on a readable file's data rows, on every adapter: none allowed where the file
        must have none (orders-only sessions), at least one unless the file is optional. -#}
    {%- if data_rows > 0 and must_have_no_rows -%}
        {{ return('has ' ~ data_rows ~ ' data rows') }}
    {%- endif -%}
    {%- if data_rows == 0 -%}
        {%- set header_only = '' if is_parquet else ' (a header only)' -%}
        {{ return('' if is_optional else 'has no data rows' ~ header_only) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro empty_panel_source(column_specs) -%}
    {#- No rows, in the shape a CSV source arrives in (every column text, plus its file name):
        the source of a panel table whose file is not read. -#}
    select
        {% for column in column_specs -%}
        cast(null as {{ dbt.type_string() }}) as {{ column.name }},
        {% endfor -%}
        cast(null as {{ dbt.type_string() }}) as filename
    where 1 = 0
{%- endmacro %}


{% macro is_kept_panel_row() -%}
    {#- One definition of a kept row: typed without a reject reason and not a duplicate. -#}
    reject_reason is null and not is_duplicate
{%- endmacro %}


{% macro panel_base_imports() -%}
    {#- The import CTEs of the base models, one per panel table, named after the table. -#}
    {%- for table_name in panel_tables() %}
    {{ table_name }} as (

        select * from {{ ref('base_comscore__' ~ table_name) }}

    ),
    {% endfor -%}
{%- endmacro %}


{% macro union_panel_tables(columns, where=none) -%}
    {#- One select of `columns` (SQL expressions, aliased) per panel_base_imports() CTE, unioned;
        source_table is the table's name, so an empty table still gives its aggregate row. -#}
    {%- for table_name in panel_tables() %}
    select
        {{ sql_literal(table_name) }} as source_table,
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ table_name }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}
