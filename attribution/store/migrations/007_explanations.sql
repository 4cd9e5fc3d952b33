-- What explanations and reports read back from a run without the cluster at hand: each
-- allocation's line (account, charge period, file), the group of requests it went to and their
-- tokens; the path each caller took in each snapshot of the cluster, with the paths that lost.
ALTER TABLE attribution_runs ADD COLUMN cost_view text;

ALTER TABLE allocations ADD COLUMN account text;
ALTER TABLE allocations ADD COLUMN charge_period_start timestamptz;
ALTER TABLE allocations ADD COLUMN charge_period_end timestamptz;
ALTER TABLE allocations ADD COLUMN source_file text;
ALTER TABLE allocations ADD COLUMN requests integer;
ALTER TABLE allocations ADD COLUMN caller_key text;
ALTER TABLE allocations ADD COLUMN weight numeric;

CREATE INDEX allocations_line ON allocations (run_id, connector, cost_row_id);
CREATE INDEX allocations_caller ON allocations (run_id, caller_key) WHERE caller_key IS NOT NULL;

CREATE TABLE run_paths (
  run_id bigint NOT NULL REFERENCES attribution_runs (id) ON DELETE CASCADE,
  -- {identity, service, account} as the request carried them.
  caller jsonb NOT NULL,
  -- The snapshot of the cluster the path held in; null is open-ended.
  held_from timestamptz,
  held_until timestamptz,
  path_key text NOT NULL,
  chosen jsonb,
  alternatives jsonb NOT NULL DEFAULT '[]'
);

CREATE INDEX run_paths_caller ON run_paths (run_id, caller);
CREATE INDEX run_paths_key ON run_paths (run_id, path_key);
