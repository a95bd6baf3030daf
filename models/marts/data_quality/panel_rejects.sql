-- Every raw panel row that was not kept, with the reason and the raw values as JSON.
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
        source_table,
        source_file,
        coalesce(reject_reason, 'duplicate of an earlier row after cleaning') as reject_reason,
        is_duplicate,
        raw_row

    from {{ table_name }}

    where not ({{ is_kept_panel_row() }})
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        row_number() over (order by source_table, source_file, reject_reason, raw_row) as reject_id,
        source_table,
        source_file,
        reject_reason,
        is_duplicate,
        raw_row

    from unioned

)

select * from final
