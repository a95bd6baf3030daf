-- Panel rows set aside because their domain is not in var panel_domains, per table: a real
-- export covers retailers the default list does not, and a warning (with the row count)
-- tells the analyst to add them rather than lose them quietly to panel_rejects.
{{ config(severity='warn') }}

select
    source_table,
    count(*) as rejected_rows
from {{ ref('panel_rejects') }}
where reject_reason like '%domain_name is not in var panel_domains%'
group by source_table
