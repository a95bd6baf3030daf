-- Every raw panel row that was not kept, with the reason and the raw values as JSON.
with

{{ panel_base_imports() }}

unioned as (

    {{ union_panel_tables(
        [
            'source_file',
            "coalesce(reject_reason, 'duplicate of an earlier row after cleaning') as reject_reason",
            'is_duplicate',
            'raw_row',
        ],
        where='not (' ~ is_kept_panel_row() ~ ')'
    ) }}

),

final as (

    select
        cast(row_number() over (order by source_table, source_file, reject_reason, raw_row) as bigint) as reject_id,
        source_table,
        source_file,
        reject_reason,
        is_duplicate,
        raw_row

    from unioned

)

select * from final
