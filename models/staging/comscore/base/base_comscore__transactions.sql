{%- set column_specs = [
    {'name': 'machine_id', 'type': 'bigint', 'check': 'integer', 'required': true, 'min_value': 1},
    {'name': 'site_session_id', 'type': 'ubigint', 'check': 'unsigned'},
    {'name': 'prod_category_id', 'type': 'bigint', 'check': 'integer'},
    {'name': 'prod_name', 'type': 'varchar', 'check': 'text'},
    {'name': 'domain_id', 'type': 'ubigint', 'check': 'unsigned'},
    {'name': 'prod_qty', 'type': 'integer', 'check': 'integer', 'min_value': 0},
    {'name': 'prod_totprice', 'type': money_type(), 'check': 'number', 'required': true, 'min_value': 0,
     'max_value': var('panel_max_amount_usd')},
    {'name': 'basket_tot', 'type': money_type(), 'check': 'number', 'required': true, 'min_value': 0,
     'max_value': var('panel_max_amount_usd')},
    {'name': 'event_date', 'type': 'date', 'check': 'date', 'required': true},
    {'name': 'event_time', 'type': 'time', 'check': 'hms_time', 'required': true},
    {'name': 'domain_name', 'type': 'varchar', 'check': 'text', 'required': true, 'lowercase': true,
     'accepted_values_var': 'panel_domains'},
] -%}

{%- set column_specs = with_source_types(source('comscore', 'transactions'), 'transactions', column_specs) -%}

with

source as (

    select * from {{ source('comscore', 'transactions') }}

),

{{ validated_panel_rows('transactions', 'source', column_specs) }}
