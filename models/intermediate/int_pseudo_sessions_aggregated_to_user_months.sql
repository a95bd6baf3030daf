{{ config(**incremental_by_date('month_start', by_month_through='last_visit_date')) }}
-- One row per machine, domain and calendar month with a visit: the visit side of user RFM
-- summed per month (macros/user_rfm.sql), which user_rfm and int_user_rfm_at_train_end add up
-- for the months before their snapshot's instead of re-reading every pseudo-session. By month:
-- an incremental run rebuilds the month of its slice start (the last visit day it holds minus
-- the lookback) and every later one.
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}
    {{ incremental_slice_filter('event_date') }}

),

final as (

    {{ user_month_visits('pseudo_sessions') }}

)

select * from final
