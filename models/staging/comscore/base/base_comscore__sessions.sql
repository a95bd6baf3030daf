{{ config(**incremental_by_date('event_date', built_rows=is_kept_panel_row())) }}
{%- set column_specs = panel_column_specs('sessions') -%}

{#- An orders-only panel (var panel_has_sessions false) has no sessions: this model is empty,
    and the session-level models build empty after it. -#}
{%- set has_sessions = panel_table_is_read('sessions') -%}
{%- if has_sessions -%}
{%- set column_specs = with_source_types(source('comscore', 'sessions'), 'sessions', column_specs) -%}
{%- elif execute -%}
{{ log(orders_only_log_line(), info=true) }}
{%- endif %}

with

source as (

    {% if has_sessions -%}
    select * from {{ source('comscore', 'sessions') }}
    {%- else -%}
    {{ empty_panel_source(column_specs) }}
    {%- endif %}

),

{{ validated_panel_rows('sessions', 'source', column_specs, slice_column='event_date') }}
