-- Rows in = rows kept + exact duplicates + invalid rows, per panel table (proved by a test).
with

{{ panel_base_imports() }}

unioned as (

    {{ union_panel_tables([
        'count(*) as rows_in',
        'count(case when ' ~ is_kept_panel_row() ~ ' then 1 end) as rows_kept',
        'count(case when is_duplicate then 1 end) as rows_duplicate',
        'count(case when reject_reason is not null then 1 end) as rows_invalid',
    ]) }}

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
