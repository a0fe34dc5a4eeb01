{#- Unique users per day and per month of the event moment (model hub aggregate.unique_users with its
    time_agg 'YYYY-MM-DD' or 'YYYY-MM'). NULL users (anonymized) are not counted.
    Incremental: the months holding a day changed in int_session_days since the last run are computed
    again, both grains, from all of their session days (delete+insert by (time_grain, period)). A period
    never loses all of its rows: events are not deleted and keep their moment. -#}
with moments as (
    {{ session_day_moments(ends=['first_at']) }}
)

select counts.*, {{ run_timestamp() }} as dbt_updated_at
from ({{ unique_users(by=[], grains=['day', 'month'], relation='moments') }}) as counts
