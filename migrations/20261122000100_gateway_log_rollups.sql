-- Hourly rollups of gateway_logs, maintained in the statement that inserts each batch of
-- logs, so that stats over any range read a few rows per hour instead of every request,
-- and outlive the raw logs (which are kept for a month).

-- Lower bounds, in milliseconds, of the latency histogram's buckets: bucket i (1-based)
-- holds latencies in [bounds[i], bounds[i + 1]); the last one is open-ended. Changing
-- them would mix incompatible histograms: add buckets only in a new function.
create function gateway_latency_bounds() returns integer[]
language sql immutable parallel safe as
$$
    select '{0,25,50,75,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,45000,60000,90000,120000,180000,300000,600000}'::integer[]
$$;

-- Histograms are bigint arrays of per-bucket counts. The functions are plpgsql because
-- updating array elements in place there is several times faster than rebuilding arrays
-- in SQL, and batches and stats sum many of them.

-- Element-wise sum of two histograms (null counts as empty).
create function gateway_histogram_add(a bigint[], b bigint[]) returns bigint[]
language plpgsql immutable parallel safe as
$$
begin
    if a is null then
        return b;
    end if;
    if b is null then
        return a;
    end if;
    for i in 1 .. greatest(cardinality(a), cardinality(b)) loop
        a[i] := coalesce(a[i], 0) + coalesce(b[i], 0);
    end loop;
    return a;
end;
$$;

create aggregate gateway_histogram_sum(bigint[]) (
    sfunc = gateway_histogram_add,
    stype = bigint[],
    combinefunc = gateway_histogram_add,
    parallel = safe
);

-- Adds one latency to a histogram; a null latency (an attempt with no timing of its own)
-- adds nothing but still yields a histogram.
create function gateway_latency_histogram_step(histogram bigint[], latency_ms integer)
returns bigint[] language plpgsql immutable parallel safe as
$$
declare
    bucket integer;
begin
    if histogram is null then
        histogram := array_fill(0::bigint, array[cardinality(gateway_latency_bounds())]);
    end if;
    if latency_ms is not null then
        bucket := width_bucket(greatest(latency_ms, 0), gateway_latency_bounds());
        histogram[bucket] := histogram[bucket] + 1;
    end if;
    return histogram;
end;
$$;

-- The histogram of a set of latencies.
create aggregate gateway_latency_histogram(integer) (
    sfunc = gateway_latency_histogram_step,
    stype = bigint[],
    combinefunc = gateway_histogram_add,
    parallel = safe
);

create table gateway_log_rollups (
    user_id            uuid not null,
    -- Start of the UTC hour.
    hour               timestamptz not null,
    -- The key that gave the answer (null: the request never reached an upstream).
    upstream_key_id    uuid,
    requested_model    text not null,
    target_model       text,
    -- Requests that ended on this key, and how many of those failed.
    requests           bigint not null default 0,
    errors             bigint not null default 0,
    -- Attempts on this key that failed and were retried on another key: with `requests`
    -- they add up to the key's attempt count, as the pool's per-key counters count.
    failovers          bigint not null default 0,
    input_tokens       bigint not null default 0,
    output_tokens      bigint not null default 0,
    cache_read_tokens  bigint not null default 0,
    cache_write_tokens bigint not null default 0,
    latency_ms_sum     bigint not null default 0,
    -- Request counts per bucket of gateway_latency_bounds(), for percentiles.
    latency_buckets    bigint[] not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    -- Also the index of every stats query (user, then time range).
    constraint gateway_log_rollups_key
        unique nulls not distinct (user_id, hour, upstream_key_id, requested_model, target_model)
);
-- Retention deletes by hour across users.
create index gateway_log_rollups_hour_idx on gateway_log_rollups (hour);
select trigger_updated_at('gateway_log_rollups');

-- Keyset pagination orders by (created_at, id): the index carries both, so a page is one
-- index range. It supersedes the (user_id, created_at) index.
create index gateway_logs_user_time_id_idx on gateway_logs (user_id, created_at desc, id desc);
drop index gateway_logs_user_time_idx;
-- Failures are rare: listing only them would otherwise walk all of a user's rows.
create index gateway_logs_user_errors_idx on gateway_logs (user_id, created_at desc, id desc)
    where not success;

-- Drops the daily partitions of days before `before` (UTC) and returns their names.
-- Partitions are named by gateway_logs_create_partitions: gateway_logs_YYYYMMDD.
create function gateway_logs_drop_partitions(before date) returns setof text as
$$
declare
    part text;
begin
    for part in
        select c.relname
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'gateway_logs'::regclass
          and c.relname ~ '^gateway_logs_[0-9]{8}$'
          and to_date(substr(c.relname, 14), 'YYYYMMDD') < before
        order by c.relname
    loop
        execute format('drop table %I', part);
        return next part;
    end loop;
end;
$$ language plpgsql;
