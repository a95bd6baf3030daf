-- Rejected panel rows counted per table and reason, for the report's data-quality section: the
-- rows of panel_rejects, without their raw values.
with

panel_rejects as (

    select * from {{ ref('panel_rejects') }}

),

final as (

    select
        source_table,
        reject_reason,
        count(*) as rejected_rows,
        count(case when is_duplicate then 1 end) as duplicate_rows

    from panel_rejects

    group by
        source_table,
        reject_reason

)

select * from final
