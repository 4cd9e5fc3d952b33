-- A run's allocations, kept compact: each bill line the run distributed, and each way its spend
-- went (the path with its evidence, the model, the group of callers), is written once per run; an
-- allocation is a line, a way and an amount. The view `allocations` reads as the table it replaces,
-- so every report and explanation query stays as it was.
CREATE TABLE run_lines (
  run_id bigint NOT NULL REFERENCES attribution_runs (id) ON DELETE CASCADE,
  line_no integer NOT NULL,
  connector text NOT NULL,
  cost_row_id text NOT NULL,
  provider text NOT NULL,
  charge_category text NOT NULL,
  account text,
  charge_period_start timestamptz,
  charge_period_end timestamptz,
  source_file text,
  PRIMARY KEY (run_id, line_no)
);

CREATE INDEX run_lines_row ON run_lines (run_id, connector, cost_row_id);

CREATE TABLE run_attributions (
  run_id bigint NOT NULL REFERENCES attribution_runs (id) ON DELETE CASCADE,
  attribution_no integer NOT NULL,
  cost_center text,
  service text,
  team text,
  person text,
  model text,
  confidence numeric NOT NULL CHECK (confidence >= 0 AND confidence <= 0.95),
  evidence jsonb NOT NULL,
  -- The group of requests the spend went to, as run_paths keys it.
  caller_key text,
  PRIMARY KEY (run_id, attribution_no)
);

CREATE INDEX run_attributions_caller ON run_attributions (run_id, caller_key)
  WHERE caller_key IS NOT NULL;

-- A run writes up to millions of these at once: a foreign key checked row by row would double the
-- time it takes, so the run's own deletion takes them instead (the trigger below).
CREATE TABLE run_allocations (
  run_id bigint NOT NULL,
  line_no integer NOT NULL,
  attribution_no integer NOT NULL,
  cost numeric NOT NULL,
  requests integer,
  weight numeric
);

CREATE INDEX run_allocations_line ON run_allocations (run_id, line_no);
CREATE INDEX run_allocations_attribution ON run_allocations (run_id, attribution_no);

CREATE FUNCTION run_allocations_of_deleted_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM run_allocations WHERE run_id = OLD.id;
  RETURN OLD;
END
$$;

CREATE TRIGGER attribution_runs_allocations AFTER DELETE ON attribution_runs
  FOR EACH ROW EXECUTE FUNCTION run_allocations_of_deleted_run();

-- Runs kept before this change move over whole.
INSERT INTO run_lines
SELECT run_id,
       row_number() OVER (PARTITION BY run_id ORDER BY connector, cost_row_id, charge_category,
                                                   charge_period_start),
       connector, cost_row_id, provider, charge_category, account, charge_period_start,
       charge_period_end, source_file
  FROM allocations
 GROUP BY run_id, connector, cost_row_id, provider, charge_category, account,
          charge_period_start, charge_period_end, source_file;

INSERT INTO run_attributions
SELECT run_id,
       row_number() OVER (PARTITION BY run_id ORDER BY cost_center, service, team, person, model,
                                                   caller_key, evidence::text),
       cost_center, service, team, person, model, confidence, evidence, caller_key
  FROM allocations
 GROUP BY run_id, cost_center, service, team, person, model, confidence, evidence, caller_key;

INSERT INTO run_allocations
SELECT a.run_id, l.line_no, p.attribution_no, a.cost, a.requests, a.weight
  FROM allocations a
  JOIN run_lines l
    ON l.run_id = a.run_id AND l.connector = a.connector AND l.cost_row_id = a.cost_row_id
   AND l.provider = a.provider AND l.charge_category = a.charge_category
   AND l.account IS NOT DISTINCT FROM a.account
   AND l.charge_period_start IS NOT DISTINCT FROM a.charge_period_start
   AND l.charge_period_end IS NOT DISTINCT FROM a.charge_period_end
   AND l.source_file IS NOT DISTINCT FROM a.source_file
  JOIN run_attributions p
    ON p.run_id = a.run_id AND p.cost_center IS NOT DISTINCT FROM a.cost_center
   AND p.service IS NOT DISTINCT FROM a.service AND p.team IS NOT DISTINCT FROM a.team
   AND p.person IS NOT DISTINCT FROM a.person AND p.model IS NOT DISTINCT FROM a.model
   AND p.confidence = a.confidence AND p.evidence = a.evidence
   AND p.caller_key IS NOT DISTINCT FROM a.caller_key;

DROP TABLE allocations;

CREATE VIEW allocations AS
SELECT a.run_id, l.connector, l.cost_row_id, p.cost_center, p.service, p.team, p.person,
       l.provider, p.model, l.charge_category, a.cost, p.confidence, p.evidence, l.account,
       l.charge_period_start, l.charge_period_end, l.source_file, a.requests, p.caller_key,
       a.weight
  FROM run_allocations a
  JOIN run_lines l ON l.run_id = a.run_id AND l.line_no = a.line_no
  JOIN run_attributions p ON p.run_id = a.run_id AND p.attribution_no = a.attribution_no;
