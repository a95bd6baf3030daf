-- Each segmented domain has exactly one chosen k, and its segments' shares sum to 1.
with

chosen as (

    select
        domain_name,
        sum(case when is_chosen then 1 else 0 end) as chosen_k_count
    from {{ ref('segment_k_selection') }}
    group by domain_name

),

shares as (

    select
        domain_name,
        sum(share_of_users) as total_share
    from {{ ref('segment_profiles') }}
    group by domain_name

)

select
    chosen.domain_name,
    chosen.chosen_k_count,
    shares.total_share
from chosen
left join shares
    on chosen.domain_name = shares.domain_name
where chosen.chosen_k_count != 1
    or shares.total_share is null
    or abs(shares.total_share - 1) > 1e-9
