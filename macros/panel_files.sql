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
    {%- set found = run_query("select count(*) from glob('" ~ panel_file_path(table_name) ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}


{% macro assert_source_columns(source_relation, table_name, column_specs) -%}
    {#- Fail early, naming the file and the columns, instead of a binder error deep in a view. -#}
    {%- if execute -%}
        {%- set described = run_query("describe select * from " ~ source_relation) -%}
        {%- set present = described.columns['column_name'].values() | map('lower') | list -%}
        {%- set missing = [] -%}
        {%- for column in column_specs if column.name not in present -%}
            {%- do missing.append(column.name) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "Panel file " ~ panel_file_path(table_name) ~ " (source comscore." ~ table_name ~ ")"
                ~ " is missing required column(s): " ~ missing | join(', ')
                ~ ". Columns found: " ~ present | join(', ')
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro panel_tables() -%}
    {#- The comscore tables that are validated, kept or rejected, and accounted for. -#}
    {{ return(['sessions', 'transactions', 'campaign_exposures']) }}
{%- endmacro %}


{% macro is_kept_panel_row() -%}
    {#- One definition of a kept row: typed without a reject reason and not an exact duplicate. -#}
    reject_reason is null and not is_exact_duplicate
{%- endmacro %}
