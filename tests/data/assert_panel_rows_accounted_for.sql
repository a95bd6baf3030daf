-- Rows in = rows kept + rows rejected (duplicates included), for every panel table, counted
-- from the source files themselves, the staging models and the rejects table. After an
-- incremental build it fails when rows dated before the rebuilt slice changed in the files
-- (late rows older than the lookback, another export): rebuild with --full-refresh or var
-- incremental_rebuild_from (README "Daily builds").
{%- set tables = panel_tables() %}

with

{% for table_name in tables %}
{{ table_name }}_counts as (

    select
        '{{ table_name }}' as source_table,
        {% if panel_table_is_read(table_name) -%}
        (select count(*) from {{ source('comscore', table_name) }}) as rows_in,
        {%- else -%}
        0 as rows_in,
        {%- endif %}
        (select count(*) from {{ ref('stg_comscore__' ~ table_name) }}) as rows_kept,
        (
            select count(*)
            from {{ ref('panel_rejects') }}
            where source_table = '{{ table_name }}'
        ) as rows_rejected

),

{% endfor %}
unioned as (

    {% for table_name in tables -%}
    select * from {{ table_name }}_counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from unioned
where rows_in != rows_kept + rows_rejected
