-- Every user of each segmented domain seen visiting is in exactly one segment (the model's
-- grain test covers "at most one"; this covers "at least one", and nobody from elsewhere).
{%- set domains = list_setting(var('segment_domains')) %}

with

expected as (

    select machine_id, domain_name
    from {{ ref('user_rfm') }}
    where domain_name in {{ sql_literal_list(domains) }}
        and frequency_days is not null

),

segmented as (

    select machine_id, domain_name
    from {{ ref('user_segments') }}

),

missing as (

    select * from expected
    except
    select * from segmented

),

unexpected as (

    select * from segmented
    except
    select * from expected

)

select *, 'not segmented' as problem from missing
union all
select *, 'not a user of a segmented domain' as problem from unexpected
