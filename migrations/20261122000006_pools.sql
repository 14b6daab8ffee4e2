-- How a user's requests are spread over their upstream keys.
alter table users add column pool_strategy text not null default 'priority'
    constraint users_pool_strategy_check check (pool_strategy in ('priority', 'round-robin', 'random', 'failover'));

-- Failover trips in a row, so that each cooldown can be longer than the last.
alter table upstream_keys add column cooldown_trips integer not null default 0;
