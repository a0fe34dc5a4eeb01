{#- Unique sessions per day and per month of the event moment (model hub aggregate.unique_sessions): a
    session with events in two periods counts in both.
    Incremental like unique_users: the months holding a day changed in int_session_days are computed again. -#}
with moments as (
    {{ session_day_moments(ends=['first_at']) }}
)

select counts.*, {{ run_timestamp() }} as dbt_updated_at
from ({{ unique_sessions(by=[], grains=['day', 'month'], relation='moments') }}) as counts
