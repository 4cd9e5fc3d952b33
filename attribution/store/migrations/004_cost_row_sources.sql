-- Each billing source of a connector is delivered, and re-delivered, on its own: one source's
-- delivery replaces only that source's rows.
ALTER TABLE cost_rows ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE cost_rows DROP CONSTRAINT cost_rows_pkey;
ALTER TABLE cost_rows ADD PRIMARY KEY (connector, source, id);
DROP INDEX cost_rows_period;
CREATE INDEX cost_rows_period ON cost_rows (connector, source, billing_period_start);
