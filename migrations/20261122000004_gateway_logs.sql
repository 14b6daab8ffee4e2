-- One row per gateway request, partitioned by UTC day so that retention drops whole
-- partitions instead of deleting rows.

create table gateway_logs (
    id                 uuid not null,
    created_at         timestamptz not null,
    user_id            uuid not null,
    api_key_id         uuid,
    upstream_key_id    uuid,
    requested_model    text not null,
    target_model       text,
    provider           text,
    stream             boolean not null default false,
    status_code        integer not null,
    success            boolean not null,
    error_type         text,
    error_message      text,
    input_tokens       integer not null default 0,
    output_tokens      integer not null default 0,
    cache_read_tokens  integer not null default 0,
    cache_write_tokens integer not null default 0,
    latency_ms         integer not null default 0,
    ttfb_ms            integer,
    attempts           smallint not null default 1,
    -- Rows are written once and never updated; the column keeps the schema uniform.
    updated_at         timestamptz not null default now(),
    constraint gateway_logs_pkey primary key (created_at, id)
) partition by range (created_at);

-- No foreign keys: logs are written in batches off the request path and must not fail
-- because a key was deleted meanwhile; users' logs are removed with their partitions.
create index gateway_logs_user_time_idx on gateway_logs (user_id, created_at desc);

-- Creates the daily partitions for `days` days starting at `first_day` (UTC) that do not
-- exist yet, and returns how many it created. Safe to call from several processes at once.
create or replace function gateway_logs_create_partitions(first_day date, days integer)
returns integer as
$$
declare
    day     date;
    part    text;
    created integer := 0;
begin
    perform pg_advisory_xact_lock(hashtext('gateway_logs_create_partitions'));
    for i in 0 .. days - 1 loop
        day := first_day + i;
        part := 'gateway_logs_' || to_char(day, 'YYYYMMDD');
        if to_regclass(part) is null then
            execute format(
                'create table %I partition of gateway_logs for values from (%L) to (%L)',
                part,
                (day::timestamp at time zone 'UTC'),
                ((day + 1)::timestamp at time zone 'UTC'));
            created := created + 1;
        end if;
    end loop;
    return created;
end;
$$ language plpgsql;

select gateway_logs_create_partitions((now() at time zone 'UTC')::date - 1, 9);
