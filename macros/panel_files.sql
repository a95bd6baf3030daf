{#- Helpers for the panel export files behind the `comscore` source. -#}

{% macro panel_file_path(table_name) -%}
    {#- Same rule as the source's external_location in _comscore__sources.yml. -#}
    {%- set panel_dir = var('panel_dir', env_var('SHOPPER_PANEL_DIR', 'data/panel')) -%}
    {%- set panel_format = var('panel_format', env_var('SHOPPER_PANEL_FORMAT', 'csv')) -%}
    {%- set extension = 'parquet' if panel_format == 'parquet' else 'csv' -%}
    {{ return(panel_dir ~ '/' ~ table_name ~ '.' ~ extension) }}
{%- endmacro %}


{% macro panel_file_exists(table_name) -%}
    {#- True at parse time, so the source stays in the DAG whether or not the file is there. -#}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
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
    {%- set described = run_query("describe select * from " ~ source_relation) -%}
    {%- set found = {} -%}
    {%- for row in described.rows -%}
        {%- do found.update({row['column_name'] | lower: row['column_type'] | lower}) -%}
    {%- endfor -%}
    {%- set missing = column_specs | map(attribute='name') | reject('in', found) | list -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Panel file " ~ panel_file_path(table_name) ~ " (source comscore." ~ table_name ~ ")"
            ~ " is missing required column(s): " ~ missing | join(', ')
            ~ ". Columns found: " ~ found.keys() | join(', ')
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


{% macro panel_tables() -%}
    {#- The comscore tables that are validated, kept or rejected, and accounted for. -#}
    {{ return(['sessions', 'transactions', 'campaign_exposures']) }}
{%- endmacro %}


{% macro is_kept_panel_row() -%}
    {#- One definition of a kept row: typed without a reject reason and not a duplicate. -#}
    reject_reason is null and not is_duplicate
{%- endmacro %}
