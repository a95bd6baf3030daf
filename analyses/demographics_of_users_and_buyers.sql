-- Document 000 Figures 2 and 3: the household demographics of every panel user, and of the
-- users with at least one purchase. One row per demographic and code (NULL = unknown code);
-- racial_background and zip_code never leave staging, so they are not here.
{%- set demographics = ['hoh_most_education', 'household_income', 'census_region', 'household_size',
                        'hoh_oldest_age', 'children'] %}

with

user_rfm as (

    select * from {{ ref('user_rfm') }}

),

users as (

    -- demographics belong to the household: one row per machine, a buyer on any domain
    select
        machine_id,
        {%- for demographic in demographics %}
        max({{ demographic }}) as {{ demographic }},
        {%- endfor %}
        max(case when purchase_days > 0 then 1 else 0 end) = 1 as is_buyer
    from user_rfm
    group by machine_id

),

by_code as (

    {% for demographic in demographics -%}
    select
        '{{ demographic }}' as demographic,
        {{ demographic }} as code,
        count(*) as users,
        count(case when is_buyer then 1 end) as buyers
    from users
    group by {{ demographic }}
    {% if not loop.last %}
    union all

    {% endif -%}
    {%- endfor %}

),

final as (

    select
        demographic,
        code,
        users,
        cast(users as double) / sum(users) over (partition by demographic) as share_of_users,
        buyers,
        cast(buyers as double) / nullif(sum(buyers) over (partition by demographic), 0) as share_of_buyers,
        cast(buyers as double) / users as buyer_rate
    from by_code

)

select * from final
