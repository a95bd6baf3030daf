{{ config(**incremental_by_date('event_date', built_rows=is_kept_panel_row())) }}
{%- set column_specs = with_source_types(
    source('comscore', 'transactions'), 'transactions', panel_column_specs('transactions')
) -%}

with

source as (

    select * from {{ source('comscore', 'transactions') }}

),

{{ validated_panel_rows('transactions', 'source', column_specs, slice_column='event_date') }}
