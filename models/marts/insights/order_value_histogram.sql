-- Orders per basket-value bin, per domain (document 000 Fig. 4a): $10-wide bins up to $600 and
-- one open bin above it, where the reference data's top 1% of baskets sit.
{%- set bin_width_usd = 10 %}
{%- set open_bin_from_usd = 600 %}

with

orders as (

    select * from {{ ref('int_transactions_grouped_to_orders') }}

),

binned as (

    select
        domain_name,
        cast(
            least(
                floor(cast(basket_total_usd as double) / {{ bin_width_usd }}),
                {{ open_bin_from_usd // bin_width_usd }}
            ) as integer
        ) as bin_index

    from orders

),

counted as (

    select
        domain_name,
        bin_index,
        count(*) as orders

    from binned

    group by
        domain_name,
        bin_index

),

final as (

    select
        domain_name,
        bin_index + 1 as bin_order,
        cast(bin_index * {{ bin_width_usd }} as double) as bin_lower_usd,
        case
            when bin_index < {{ open_bin_from_usd // bin_width_usd }}
                then cast((bin_index + 1) * {{ bin_width_usd }} as double)
        end as bin_upper_usd,
        orders,
        cast(orders as double) / sum(orders) over (partition by domain_name) as share_of_orders,
        cast(
            sum(orders) over (
                partition by domain_name
                order by bin_index
                rows between unbounded preceding and current row
            ) as double
        ) / sum(orders) over (partition by domain_name) as cumulative_share_of_orders

    from counted

)

select * from final
