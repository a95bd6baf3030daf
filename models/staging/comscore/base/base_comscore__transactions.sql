{%- set column_specs = with_source_types(
    source('comscore', 'transactions'), 'transactions', panel_column_specs('transactions')
) -%}

with

source as (

    select * from {{ source('comscore', 'transactions') }}

),

{{ validated_panel_rows('transactions', 'source', column_specs) }}
