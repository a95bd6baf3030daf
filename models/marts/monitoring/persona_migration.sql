-- Who moved from which persona to which between the two persona snapshots: user_segments_at_train_end
-- (k-means on the history before var train_end) and user_segments (on all the data). Personas
-- are compared by name, as segment ids are refitted per snapshot. A user in one snapshot only is
-- counted from or to 'not segmented' (new since train_end, or not in the later snapshot).
with

segments_at_train_end as (

    select * from {{ ref('user_segments_at_train_end') }}

),

segments_now as (

    select * from {{ ref('user_segments') }}

),

paired as (

    select
        coalesce(segments_at_train_end.domain_name, segments_now.domain_name) as domain_name,
        coalesce(segments_at_train_end.persona, 'not segmented') as from_persona,
        coalesce(segments_now.persona, 'not segmented') as to_persona
    from segments_at_train_end
    full outer join segments_now
        on segments_at_train_end.domain_name = segments_now.domain_name
        and segments_at_train_end.machine_id = segments_now.machine_id

),

moves as (

    select
        domain_name,
        from_persona,
        to_persona,
        count(*) as users
    from paired
    group by
        domain_name,
        from_persona,
        to_persona

),

final as (

    select
        domain_name,
        from_persona,
        to_persona,
        from_persona = to_persona as is_same_persona,
        users,
        -- a count over a count: cast first (Spark rounds decimal division, DuckDB's integer
        -- division would truncate)
        cast(users as double) / sum(users) over (partition by domain_name, from_persona) as share_of_from_persona,
        cast(users as double) / sum(users) over (partition by domain_name) as share_of_domain
    from moves

)

select * from final
