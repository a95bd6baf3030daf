{%- set column_specs = [
    {'name': 'machine_id', 'type': 'bigint', 'check': 'integer', 'required': true, 'min_value': 1},
    {'name': 'site_session_id', 'type': 'ubigint', 'check': 'unsigned'},
    {'name': 'user_session_id', 'type': 'bigint', 'check': 'integer'},
    {'name': 'domain_id', 'type': 'ubigint', 'check': 'unsigned'},
    {'name': 'ref_domain__name', 'type': 'varchar', 'check': 'text', 'lowercase': true},
    {'name': 'pages_viewed', 'type': 'integer', 'check': 'integer', 'required': true, 'min_value': 0},
    {'name': 'duration', 'type': 'integer', 'check': 'integer', 'required': true, 'min_value': 0},
    {'name': 'event_date', 'type': 'date', 'check': 'date', 'required': true},
    {'name': 'event_time', 'type': 'time', 'check': 'hms_time', 'required': true},
    {'name': 'hoh_most_education', 'type': 'integer', 'check': 'integer'},
    {'name': 'census_region', 'type': 'integer', 'check': 'integer'},
    {'name': 'household_size', 'type': 'integer', 'check': 'integer'},
    {'name': 'hoh_oldest_age', 'type': 'integer', 'check': 'integer'},
    {'name': 'household_income', 'type': 'integer', 'check': 'integer'},
    {'name': 'children', 'type': 'integer', 'check': 'integer'},
    {'name': 'racial_background', 'type': 'integer', 'check': 'integer', 'protected': true},
    {'name': 'connection_speed', 'type': 'integer', 'check': 'integer'},
    {'name': 'hispanic', 'type': 'integer', 'check': 'integer'},
    {'name': 'zip_code', 'type': 'integer', 'check': 'integer', 'protected': true},
    {'name': 'domain_name', 'type': 'varchar', 'check': 'text', 'required': true, 'lowercase': true,
     'accepted_values_var': 'panel_domains'},
] -%}

{%- set column_specs = with_source_types(source('comscore', 'sessions'), 'sessions', column_specs) -%}

with

source as (

    select * from {{ source('comscore', 'sessions') }}

),

{{ validated_panel_rows('sessions', 'source', column_specs) }}
