-- One user's rollups over [$2, $3), summed per bucket of the series ($4: 'hour' or 'day',
-- in UTC), upstream key and model; stats.rs folds these into totals and breakdowns.
select date_trunc($4, r.hour, 'UTC') as "bucket!",
       r.upstream_key_id,
       k.name as "upstream_key_name?",
       r.requested_model,
       r.target_model,
       sum(r.requests)::int8 as "requests!",
       sum(r.errors)::int8 as "errors!",
       sum(r.failovers)::int8 as "failovers!",
       sum(r.input_tokens)::int8 as "input_tokens!",
       sum(r.output_tokens)::int8 as "output_tokens!",
       sum(r.cache_read_tokens)::int8 as "cache_read_tokens!",
       sum(r.cache_write_tokens)::int8 as "cache_write_tokens!",
       sum(r.latency_ms_sum)::int8 as "latency_ms_sum!",
       gateway_histogram_sum(r.latency_buckets) as "latency_buckets!"
from gateway_log_rollups r
left join upstream_keys k on k.id = r.upstream_key_id
where r.user_id = $1 and r.hour >= $2 and r.hour < $3
group by 1, 2, 3, 4, 5
