{#- The walk-through's unique_users(df, groupby=[utm_source, utm_medium, utm_campaign, utm_content,
    utm_term]) (model-hub-semantics 4): unique users per campaign (first MarketingContext), over all events.
    NULL fields form groups of their own, as in a SQL group by (all NULL: events without a campaign). -#}
{%- set campaign_keys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
with events as (
    select * from {{ ref('events') }}
),

campaigns as (
    {{ unique_users_by('events', campaign_keys) }}
)

select
    -- campaign
    {%- for key in campaign_keys %}
    {{ key }},
    {%- endfor %}

    -- users
    unique_users
from campaigns
