{{ config(**incremental_by_date('exposed_date', built_rows=is_kept_panel_row())) }}
{%- set column_specs = panel_column_specs('campaign_exposures') -%}

{#- The exposures file is optional: without it this model is empty and the campaign models skip. -#}
{%- set has_exposures_file = panel_table_is_read('campaign_exposures') -%}
{%- if has_exposures_file -%}
{%- set column_specs = with_source_types(
    source('comscore', 'campaign_exposures'), 'campaign_exposures', column_specs
) -%}
{%- else -%}
{{ log("No campaign_exposures file at " ~ panel_file_path('campaign_exposures') ~ ": campaign models will be empty and skipped.", info=true) }}
{%- endif %}

with

source as (

    {% if has_exposures_file -%}
    select * from {{ source('comscore', 'campaign_exposures') }}
    {%- else -%}
    {{ empty_panel_source(column_specs) }}
    {%- endif %}

),

{{ validated_panel_rows('campaign_exposures', 'source', column_specs, slice_column='exposed_date') }}
