-- Rows in = rows kept + exact duplicates + invalid rows, per panel table (proved by a test).
{%- set tables = panel_tables() %}

with

{% for table_name in tables %}
{{ table_name }} as (

    select * from {{ ref('base_comscore__' ~ table_name) }}

),

{% endfor %}
unioned as (

    {% for table_name in tables -%}
    select
        '{{ table_name }}' as source_table,
        count(*) as rows_in,
        sum(case when {{ is_kept_panel_row() }} then 1 else 0 end) as rows_kept,
        sum(case when is_duplicate then 1 else 0 end) as rows_duplicate,
        sum(case when reject_reason is not null then 1 else 0 end) as rows_invalid

    from {{ table_name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_table,
        rows_in,
        coalesce(rows_kept, 0) as rows_kept,
        coalesce(rows_duplicate, 0) as rows_duplicate,
        coalesce(rows_invalid, 0) as rows_invalid

    from unioned

)

select * from final
