-- One row per campaign exposure with what was known the day before it (document 004 §4.1):
-- visit, purchase and spend history on the campaign domain from days strictly before
-- exposed_date, earlier campaign exposures and engagements, the exposure channel, household
-- demographics of the last prior visit (never racial_background or zip_code), and the RFM
-- quintile scores and named segment as of the exposure, scored within the campaign's exposed
-- customers (the RFM baseline of document 004 §4.2). Nothing on or after exposed_date is read.
with

exposures as (

    select * from {{ ref('stg_comscore__campaign_exposures') }}

),

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

campaign_domain_days as (

    select
        machine_id,
        event_date,
        session_count,
        pages_viewed,
        duration_minutes,
        converted,
        basket_spend_usd,
        hoh_most_education,
        household_income,
        census_region,
        household_size,
        hoh_oldest_age,
        children
    from pseudo_sessions
    where domain_name = {{ sql_literal(var('campaign_domain')) }}

),

prior_days as (

    select
        exposures.machine_id,
        exposures.campaign_id,
        exposures.exposed_date,
        campaign_domain_days.event_date,
        campaign_domain_days.session_count,
        campaign_domain_days.pages_viewed,
        campaign_domain_days.duration_minutes,
        campaign_domain_days.converted,
        campaign_domain_days.basket_spend_usd,
        campaign_domain_days.hoh_most_education,
        campaign_domain_days.household_income,
        campaign_domain_days.census_region,
        campaign_domain_days.household_size,
        campaign_domain_days.hoh_oldest_age,
        campaign_domain_days.children,
        {{ dbt.datediff('campaign_domain_days.event_date', 'exposures.exposed_date', 'day') }} as days_before_exposure
    from exposures
    inner join campaign_domain_days
        on exposures.machine_id = campaign_domain_days.machine_id
        and campaign_domain_days.event_date < exposures.exposed_date

),

history as (

    select
        machine_id,
        campaign_id,
        count(*) as visit_days_total,
        count(case when days_before_exposure <= 30 then 1 end) as visit_days_30,
        count(case when days_before_exposure <= 90 then 1 end) as visit_days_90,
        count(case when days_before_exposure <= 365 then 1 end) as visit_days_365,
        count(case when converted then 1 end) as purchase_days_total,
        count(case when converted and days_before_exposure <= 30 then 1 end) as purchase_days_30,
        count(case when converted and days_before_exposure <= 90 then 1 end) as purchase_days_90,
        count(case when converted and days_before_exposure <= 365 then 1 end) as purchase_days_365,
        {{ money('sum(basket_spend_usd)') }} as spend_total_usd,
        {{ money('sum(case when days_before_exposure <= 365 then basket_spend_usd else 0 end)') }} as spend_365_usd,
        cast(sum(session_count) as bigint) as session_count_total,
        cast(sum(pages_viewed) as bigint) as pages_viewed_total,
        cast(sum(duration_minutes) as bigint) as duration_minutes_total,
        max(days_before_exposure) as tenure_days,
        min(days_before_exposure) as days_since_last_visit,
        min(case when converted then days_before_exposure end) as days_since_last_purchase
    from prior_days
    group by
        machine_id,
        campaign_id

),

last_prior_days_numbered as (

    select
        *,
        row_number() over (
            partition by machine_id, campaign_id
            order by event_date desc
        ) as recency_rank
    from prior_days

),

demographics as (

    select
        machine_id,
        campaign_id,
        hoh_most_education,
        household_income,
        census_region,
        household_size,
        hoh_oldest_age,
        children
    from last_prior_days_numbered
    where recency_rank = 1

),

earlier_campaigns as (

    select
        exposures.machine_id,
        exposures.campaign_id,
        count(earlier.campaign_id) as prior_exposures,
        count(case when earlier.engaged_date < exposures.exposed_date then 1 end) as prior_engagements,
        min(
            case
                when earlier.engaged_date < exposures.exposed_date
                    then {{ dbt.datediff('earlier.engaged_date', 'exposures.exposed_date', 'day') }}
            end
        ) as days_since_last_engagement
    from exposures
    left join exposures as earlier
        on exposures.machine_id = earlier.machine_id
        and earlier.exposed_date < exposures.exposed_date
    group by
        exposures.machine_id,
        exposures.campaign_id

),

features as (

    select
        exposures.machine_id,
        exposures.campaign_id,
        exposures.exposed_date,
        exposures.channel,
        coalesce(history.visit_days_total, 0) as visit_days_total,
        coalesce(history.visit_days_30, 0) as visit_days_30,
        coalesce(history.visit_days_90, 0) as visit_days_90,
        coalesce(history.visit_days_365, 0) as visit_days_365,
        coalesce(history.purchase_days_total, 0) as purchase_days_total,
        coalesce(history.purchase_days_30, 0) as purchase_days_30,
        coalesce(history.purchase_days_90, 0) as purchase_days_90,
        coalesce(history.purchase_days_365, 0) as purchase_days_365,
        coalesce(history.spend_total_usd, 0) as spend_total_usd,
        coalesce(history.spend_365_usd, 0) as spend_365_usd,
        case
            when history.purchase_days_total > 0
                then cast(history.spend_total_usd as double) / history.purchase_days_total
        end as avg_basket_spend_usd,
        case
            when history.session_count_total > 0
                then cast(history.pages_viewed_total as double) / history.session_count_total
        end as avg_pages_per_session,
        case
            when history.session_count_total > 0
                then cast(history.duration_minutes_total as double) / history.session_count_total
        end as avg_duration_minutes_per_session,
        history.tenure_days,
        history.days_since_last_visit,
        history.days_since_last_purchase,
        earlier_campaigns.prior_exposures,
        earlier_campaigns.prior_engagements,
        earlier_campaigns.days_since_last_engagement,
        demographics.hoh_most_education,
        demographics.household_income,
        demographics.census_region,
        demographics.household_size,
        demographics.hoh_oldest_age,
        demographics.children
    from exposures
    left join history
        on exposures.machine_id = history.machine_id
        and exposures.campaign_id = history.campaign_id
    left join demographics
        on exposures.machine_id = demographics.machine_id
        and exposures.campaign_id = demographics.campaign_id
    inner join earlier_campaigns
        on exposures.machine_id = earlier_campaigns.machine_id
        and exposures.campaign_id = earlier_campaigns.campaign_id

),

rfm_scored as (

    -- customers only: an exposed user without a prior purchase has no RFM cell
    select
        machine_id,
        campaign_id,
        {{ rfm_score_columns('days_since_last_purchase', 'purchase_days_total', 'spend_total_usd', ['campaign_id']) }}
    from features
    where purchase_days_total > 0

),

final as (

    select
        features.*,
        rfm_scored.r_score,
        rfm_scored.f_score,
        rfm_scored.m_score,
        {{ rfm_code('rfm_scored.r_score', 'rfm_scored.f_score', 'rfm_scored.m_score') }} as rfm_code,
        segment_map.rfm_segment
    from features
    left join rfm_scored
        on features.machine_id = rfm_scored.machine_id
        and features.campaign_id = rfm_scored.campaign_id
    left join segment_map
        on rfm_scored.r_score = segment_map.r_score
        and rfm_scored.f_score = segment_map.f_score

)

select * from final
