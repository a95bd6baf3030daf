-- Document 000 §4.1: why sessions and transactions join on machine_id + event_date. Most
-- transaction rows carry site_session_id = 0 (59.96% on the reference data): the panel did not
-- record the session, so the id cannot join. Per domain and overall, kept rows only.
with

transactions as (

    select * from {{ ref('stg_comscore__transactions') }}

),

by_domain as (

    select
        domain_name as domain_group,
        count(*) as transaction_rows,
        -- staging turns the 0 into NULL: unknown, not a key
        count(*) - count(site_session_id) as rows_without_session_id
    from transactions
    group by domain_name

    union all

    select
        'all domains' as domain_group,
        count(*) as transaction_rows,
        count(*) - count(site_session_id) as rows_without_session_id
    from transactions

),

final as (

    select
        domain_group,
        transaction_rows,
        rows_without_session_id,
        cast(rows_without_session_id as double) / transaction_rows as share_without_session_id
    from by_domain

)

select * from final
