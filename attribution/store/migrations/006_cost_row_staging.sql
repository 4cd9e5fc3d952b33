-- A billing delivery is written here batch by batch as it is read, so memory stays flat whatever
-- the export's size, and swapped into cost_rows in one transaction once every file was read.
-- Rows are kept per delivery; only the latest delivery of each billing period is swapped in.
CREATE TABLE cost_row_staging (
  staging_id text NOT NULL,
  delivery text NOT NULL,
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
  effective_cost numeric,
  list_cost numeric,
  late boolean NOT NULL DEFAULT false,
  -- A line item repeats across deliveries by design; within one it is a duplicate.
  PRIMARY KEY (staging_id, delivery, id)
);

-- Rows that arrived after their billing period had closed: kept, counted, and marked.
ALTER TABLE cost_rows ADD COLUMN late boolean NOT NULL DEFAULT false;

-- When each billing source last delivered, so a later delivery can tell which periods had closed.
CREATE TABLE billing_source_syncs (
  connector text NOT NULL,
  source text NOT NULL,
  synced_at timestamptz NOT NULL,
  PRIMARY KEY (connector, source)
);
