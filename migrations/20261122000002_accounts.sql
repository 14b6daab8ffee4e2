-- People, their dashboard sessions and their ak- keys.

create table users (
    id            uuid primary key,
    -- Null for local (password) accounts. A GitHub account is keyed by its numeric id,
    -- so a renamed login keeps its account.
    github_id     bigint,
    login         text not null,
    name          text,
    email         text,
    avatar_url    text,
    password_hash text,
    is_admin      boolean not null default false,
    disabled_at   timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    constraint users_github_id_key unique (github_id),
    constraint users_login_not_blank check (length(btrim(login)) > 0)
);
-- Logins compare case-insensitively, as GitHub's do.
create unique index users_login_key on users (lower(login));
select trigger_updated_at('users');

create table sessions (
    id           uuid primary key,
    user_id      uuid not null constraint sessions_user_id_fkey references users (id) on delete cascade,
    -- SHA-256 of the cookie token: a database leak does not yield usable sessions.
    token_hash   bytea not null,
    expires_at   timestamptz not null,
    last_seen_at timestamptz not null default now(),
    revoked_at   timestamptz,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    constraint sessions_token_hash_key unique (token_hash)
);
create index sessions_user_id_idx on sessions (user_id);
select trigger_updated_at('sessions');

create table api_keys (
    id            uuid primary key,
    user_id       uuid not null constraint api_keys_user_id_fkey references users (id) on delete cascade,
    name          text not null default 'default',
    -- `ak-` and the next six characters, for display only.
    prefix        text not null,
    -- HMAC-SHA256 of the full key under the server key: the lookup on every request.
    key_hash      bytea not null,
    -- AES-256-GCM copy of the full key, so that its owner can reveal it.
    key_encrypted bytea not null,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    constraint api_keys_key_hash_key unique (key_hash),
    constraint api_keys_name_not_blank check (length(btrim(name)) > 0)
);
-- A name is unique among a user's live keys; revoked keys keep theirs for the record.
create unique index api_keys_user_name_key on api_keys (user_id, name) where revoked_at is null;
select trigger_updated_at('api_keys');
