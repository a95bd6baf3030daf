{%- set column_specs = with_source_types(
    source('comscore', 'sessions'), 'sessions', panel_column_specs('sessions')
) -%}

with

source as (

    select * from {{ source('comscore', 'sessions') }}

),

{{ validated_panel_rows('sessions', 'source', column_specs) }}
