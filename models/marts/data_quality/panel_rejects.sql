-- Every raw panel row that was not kept, with the reason and the raw values as JSON.
{%- set tables = ['sessions', 'transactions', 'campaign_exposures'] %}

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
        coalesce(reject_reason, 'exact duplicate of an earlier row') as reject_reason,
        is_exact_duplicate,
        raw_row

    from {{ table_name }}

    where reject_reason is not null
        or is_exact_duplicate
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        row_number() over (order by source_table, source_file, reject_reason, raw_row) as reject_id,
        source_table,
        source_file,
        reject_reason,
        is_exact_duplicate,
        raw_row

    from unioned

)

select * from final
