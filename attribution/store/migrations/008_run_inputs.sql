-- What each run read and answered: digests of its inputs (bill, requests by day, cluster state,
-- identities, CODEOWNERS, price book) and its totals by CostCenter, so a later run of the same
-- period, connectors and cost view can say whether anything changed, and what.
CREATE TABLE run_inputs (
  run_id bigint PRIMARY KEY REFERENCES attribution_runs (id) ON DELETE CASCADE,
  -- Sorted, without repeats.
  connectors text[] NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  cost_view text NOT NULL,
  -- Of the whole of `inputs`: equal digests, equal inputs.
  digest text NOT NULL,
  inputs jsonb NOT NULL,
  outcome jsonb NOT NULL
);

CREATE INDEX run_inputs_period ON run_inputs (period_start, period_end, cost_view, run_id);
