-- What a user's requests are routed to: upstream keys and the model mapping.

create table upstream_keys (
    id                   uuid primary key,
    user_id              uuid not null constraint upstream_keys_user_id_fkey references users (id) on delete cascade,
    name                 text not null,
    provider             text not null,
    base_url             text not null,
    -- AES-256-GCM under the server key, with the row id as associated data.
    secret_encrypted     bytea not null,
    -- Last four characters of the secret, so a listing can tell keys apart.
    secret_hint          text not null,
    priority             integer not null default 50,
    weight               integer not null default 1,
    enabled              boolean not null default true,
    total_requests       bigint not null default 0,
    success_requests     bigint not null default 0,
    consecutive_failures integer not null default 0,
    last_used_at         timestamptz,
    last_failure_at      timestamptz,
    cooldown_until       timestamptz,
    last_error           text,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    constraint upstream_keys_user_name_key unique (user_id, name),
    constraint upstream_keys_provider_check check (provider in ('openai', 'gemini', 'anthropic')),
    constraint upstream_keys_priority_check check (priority between 0 and 100),
    constraint upstream_keys_weight_check check (weight between 1 and 100),
    constraint upstream_keys_name_not_blank check (length(btrim(name)) > 0)
);
-- The unique (user_id, name) index also serves "all keys of a user".
select trigger_updated_at('upstream_keys');

-- One row per user who changed anything; no row means the system default mapping.
create table model_mappings (
    user_id    uuid primary key constraint model_mappings_user_id_fkey references users (id) on delete cascade,
    mode       text not null default 'default',
    haiku      text,
    sonnet     text,
    opus       text,
    other      text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint model_mappings_mode_check check (mode in ('default', 'custom'))
);
select trigger_updated_at('model_mappings');
