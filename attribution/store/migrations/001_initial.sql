-- Argmin's schema. Metadata only: no column here may hold prompt or completion text.

CREATE TABLE cost_rows (
  connector text NOT NULL,
  id text NOT NULL,
  source_file text NOT NULL,
  source_line integer NOT NULL,
  provider text NOT NULL,
  billing_account_id text NOT NULL,
  sub_account_id text NOT NULL,
  billing_period_start timestamptz NOT NULL,
  billing_period_end timestamptz NOT NULL,
  charge_period_start timestamptz NOT NULL,
  charge_period_end timestamptz NOT NULL,
  charge_category text NOT NULL,
  charge_type text NOT NULL,
  service_name text NOT NULL,
  usage_type text NOT NULL,
  region text,
  resource_id text,
  model text,
  token_class text,
  quantity numeric,
  unit text,
  billed_cost numeric NOT NULL,
  currency text NOT NULL,
  principal text,
  tags jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (connector, id)
);

CREATE INDEX cost_rows_period ON cost_rows (connector, billing_period_start);

CREATE TABLE usage_events (
  request_id text NOT NULL PRIMARY KEY,
  ts timestamptz NOT NULL,
  provider text NOT NULL,
  model text,
  input_tokens bigint,
  cache_read_tokens bigint,
  cache_write_tokens bigint,
  output_tokens bigint,
  reasoning_tokens bigint,
  cost numeric,
  latency_ms integer,
  status text,
  caller_service_account text,
  caller_spiffe_id text,
  caller_api_key_id text,
  caller_user text,
  caller_aws_principal text,
  service text,
  account text,
  region text,
  attributes jsonb NOT NULL DEFAULT '{}',
  origin text NOT NULL
);

CREATE INDEX usage_events_ts ON usage_events (ts);

CREATE TABLE people (
  inventory text NOT NULL,
  id text NOT NULL,
  user_name text NOT NULL,
  display_name text,
  emails jsonb NOT NULL DEFAULT '[]',
  active boolean NOT NULL,
  cost_center text,
  department text,
  manager_id text,
  groups jsonb NOT NULL DEFAULT '[]',
  source_file text NOT NULL,
  source_line integer NOT NULL,
  PRIMARY KEY (inventory, id)
);

CREATE TABLE groups (
  inventory text NOT NULL,
  id text NOT NULL,
  display_name text NOT NULL,
  member_ids jsonb NOT NULL DEFAULT '[]',
  source_file text NOT NULL,
  source_line integer NOT NULL,
  PRIMARY KEY (inventory, id)
);

CREATE TABLE attribution_runs (
  id bigserial PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  currency text NOT NULL,
  billed numeric NOT NULL,
  attributed numeric NOT NULL,
  unattributed numeric NOT NULL
);

CREATE TABLE allocations (
  run_id bigint NOT NULL REFERENCES attribution_runs (id) ON DELETE CASCADE,
  connector text NOT NULL,
  cost_row_id text NOT NULL,
  request_id text,
  cost_center text,
  service text,
  team text,
  person text,
  provider text NOT NULL,
  model text,
  charge_category text NOT NULL,
  cost numeric NOT NULL,
  confidence numeric NOT NULL CHECK (confidence >= 0 AND confidence <= 0.95),
  evidence jsonb NOT NULL
);

CREATE INDEX allocations_run ON allocations (run_id);
CREATE INDEX allocations_request ON allocations (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE quarantine (
  id bigserial PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  connector text NOT NULL,
  source_file text NOT NULL,
  source_line integer NOT NULL,
  field text,
  reason text NOT NULL
);
