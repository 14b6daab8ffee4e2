-- Every upstream key a request tried, in order (failover), beside the one that answered.
alter table gateway_logs add column upstream_keys_tried uuid[] not null default '{}';
