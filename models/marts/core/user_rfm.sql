-- One row per user and domain: recency, frequency, monetary value and engagement as of the
-- snapshot date (var snapshot_date; by default the day after the last event in the data).
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

{{ user_rfm_ctes('pseudo_sessions', var('snapshot_date')) }}

select * from final
