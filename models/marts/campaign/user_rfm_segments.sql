-- One row per customer and domain (users with at least one purchase day before the snapshot):
-- R, F and M quintile scores within the domain, rfm_code = R*100 + F*10 + M, and the named
-- segment of the (R, F) cell from the rfm_segment_map seed (document 004 §4.2).
with

user_rfm as (

    select * from {{ ref('user_rfm') }}

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

customers as (

    select
        machine_id,
        domain_name,
        snapshot_date,
        days_since_last_purchase as recency_days,
        purchase_days as frequency_purchase_days,
        total_spend_usd as monetary_usd
    from user_rfm
    where purchase_days > 0

),

scored as (

    select
        *,
        {{ rfm_score_columns('recency_days', 'frequency_purchase_days', 'monetary_usd', ['domain_name']) }}
    from customers

),

final as (

    select
        scored.machine_id,
        scored.domain_name,
        scored.snapshot_date,
        scored.recency_days,
        scored.frequency_purchase_days,
        scored.monetary_usd,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ rfm_code('scored.r_score', 'scored.f_score', 'scored.m_score') }} as rfm_code,
        segment_map.rfm_segment
    from scored
    left join segment_map
        on scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score

)

select * from final
