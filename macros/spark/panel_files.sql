{#-
  The panel files on Spark. DuckDB reads them where they lie (the sources' external_location);
  Spark reads tables, so register_panel_sources (on-run-start) registers each file as an
  external table <source>.<table>__file and the source relation as a view over it that adds
  the file's path as `filename`, as DuckDB's filename = true does. CSV columns are text, as
  DuckDB's all_varchar reads them, so the base models judge every raw value; Parquet is typed.
  A CSV value must not hold a line break: Spark splits big files between tasks by lines (such
  rows fail the file check as rows with too few columns).
-#}

{% macro register_panel_sources() -%}
    {{ return(adapter.dispatch('register_panel_sources', 'shopper_propensity')()) }}
{%- endmacro %}

{% macro default__register_panel_sources() -%}
    {#- DuckDB reads the files through the sources' external_location: nothing to register. -#}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_panel_sources() -%}
    {%- if not execute or panel_files_ready() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set files = [] -%}
    {#- an unread file (an absent optional one, the sessions of an orders-only panel) is not
        registered: its base model builds empty without reading it -#}
    {%- for table_name in panel_tables() -%}
        {%- do files.append(['comscore', table_name, table_name, panel_table_is_read(table_name)]) -%}
    {%- endfor -%}
    {%- do files.append(['panel_truth', 'campaign_intent', 'truth/campaign_intent',
                         panel_file_exists('truth/campaign_intent')]) -%}
    {%- for source_name, table_name, file_name, is_read in files -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
        {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier) -%}
        {%- set file_table = relation.schema ~ '.' ~ relation.identifier ~ '__file' -%}
        {%- do run_query('create schema if not exists ' ~ relation.schema) -%}
        {%- do run_query('drop view if exists ' ~ relation) -%}
        {%- do run_query('drop table if exists ' ~ file_table) -%}
        {%- if is_read -%}
            {%- set path = sql_literal(panel_file_path(file_name)) -%}
            {%- do run_query('create table ' ~ file_table ~ ' using ' ~ panel_format()
                             ~ ' options (path ' ~ path ~ spark_csv_options() ~ ')') -%}
            {%- do run_query('create view ' ~ relation ~ ' as select *, ' ~ path ~ ' as filename'
                             ~ ' from ' ~ file_table) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro spark__check_panel_layout_is_read() -%}
    {#- Spark reads one file per table (register_panel_sources): the daily and hive layouts are
        read on DuckDB only. -#}
    {%- if panel_layout() != 'single' -%}
        {{ exceptions.raise_compiler_error("The panel layout (var panel_layout, env SHOPPER_PANEL_LAYOUT) is "
                                           ~ sql_literal(panel_layout()) ~ ": the Spark build reads the single layout"
                                           ~ " only (one file per table, <panel_dir>/<table>.<panel_format>). Combine"
                                           ~ " the daily files into one per table, or build on DuckDB.") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro spark_csv_options() -%}
    {#- How Spark reads a panel CSV as DuckDB's read_csv does: a header row, every value as text,
        quotes doubled inside quoted values. Empty for Parquet. -#}
    {%- if panel_format() == 'csv' -%}
    , header 'true', escape '"', mode 'PERMISSIVE'
    {%- endif -%}
{%- endmacro %}


{% macro spark_panel_file_length(file_name) -%}
    {#- Bytes of <panel_dir>/<file_name>.<panel_format>, or none when there is no such file.
        Spark SQL has no glob(): the panel folder is listed through the binaryFile source (its
        file contents are not read). -#}
    {%- set suffix = '/' ~ file_name ~ '.' ~ panel_format() -%}
    {%- do run_query("create or replace temporary view panel_file_listing using binaryFile options (path "
                     ~ sql_literal(panel_dir()) ~ ", recursiveFileLookup 'true')") -%}
    {%- set listed = run_query("select path, length from panel_file_listing where endswith(path, "
                               ~ sql_literal(suffix) ~ ") order by length(path) limit 1") -%}
    {#- the shortest match is the file in the folder itself, not one of a subfolder -#}
    {{ return(listed.rows[0]['length'] if listed.rows | length > 0 else none) }}
{%- endmacro %}


{% macro spark__panel_file_exists(table_name) -%}
    {{ return(spark_panel_file_length(table_name) is not none) }}
{%- endmacro %}


{% macro spark__panel_file_problem(path, is_optional, must_have_no_rows) -%}
    {#- The checks of default__panel_file_problem with what Spark SQL offers: a missing or empty
        file, a file without data rows, and (CSV) rows whose number of columns is not the
        header's and bytes that are not UTF-8 (Spark reads them as U+FFFD), counted. -#}
    {%- set file_name = path[panel_dir() | length + 1:].rsplit('.', 1)[0] -%}
    {%- set length = spark_panel_file_length(file_name) -%}
    {%- if length is none -%}
        {{ return('' if is_optional else 'does not exist') }}
    {%- endif -%}
    {%- if length == 0 -%}
        {{ return('' if must_have_no_rows else 'is empty (0 bytes)') }}
    {%- endif -%}
    {%- set literal = sql_literal(path) -%}
    {%- if panel_format() == 'parquet' -%}
        {%- set data_rows = run_query("select count(*) from parquet.`" ~ path | replace('`', '``') ~ "`").columns[0].values()[0] -%}
    {%- else -%}
        {%- do run_query("create or replace temporary view panel_check_header using csv options (path "
                         ~ literal ~ spark_csv_options() ~ ")") -%}
        {%- set columns = run_query("describe panel_check_header").columns[0].values() | list -%}
        {%- set quoted_columns = [] -%}
        {%- for column in columns -%}
            {%- do quoted_columns.append('`' ~ column | replace('`', '``') ~ '`') -%}
        {%- endfor -%}
        {%- do run_query("create or replace temporary view panel_check_rows (" ~ quoted_columns | join(' string, ')
                         ~ " string, _corrupt_record string) using csv options (path " ~ literal ~ spark_csv_options()
                         ~ ", columnNameOfCorruptRecord '_corrupt_record')") -%}
        {%- set counted = run_query(
            "select count(*) as data_rows, count(_corrupt_record) as malformed_rows, min(_corrupt_record) as malformed_example,"
            ~ " count(case when instr(concat_ws('', " ~ quoted_columns | join(', ') ~ "), '\\uFFFD') > 0 then 1 end)"
            ~ " as rows_not_utf8"
            ~ " from panel_check_rows"
        ).rows[0] -%}
        {%- set data_rows = counted['data_rows'] -%}
        {%- if counted['malformed_rows'] > 0 -%}
            {{ return('has ' ~ counted['malformed_rows'] ~ ' row(s) whose number of columns is not the header\'s '
                      ~ columns | length ~ ', e.g. ' ~ counted['malformed_example'] | truncate(200)) }}
        {%- endif -%}
        {%- if counted['rows_not_utf8'] > 0 -%}
            {{ return('has bytes that are not UTF-8 (save the file as UTF-8) in '
                      ~ counted['rows_not_utf8'] ~ ' row(s)') }}
        {%- endif -%}
    {%- endif -%}
    {{ return(panel_row_count_problem(data_rows, is_optional, must_have_no_rows, panel_format() == 'parquet')) }}
{%- endmacro %}


{% macro spark__source_column_types(source_relation) -%}
    {#- Spark's type names in DuckDB's, which the checks are written in (a Parquet UINT64 column
        arrives as decimal(20,0)). -#}
    {%- set names = {'string': 'varchar', 'int': 'integer', 'decimal(20,0)': 'ubigint'} -%}
    {%- set found = {} -%}
    {%- for column in adapter.get_columns_in_relation(source_relation) if column.name != 'filename' -%}
        {%- set type_name = column.dtype | lower | replace(' ', '') -%}
        {%- do found.update({column.name | lower: names.get(type_name, type_name)}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
