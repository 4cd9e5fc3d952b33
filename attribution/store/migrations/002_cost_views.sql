-- The amortized (effective) and public list views of each billed line, beside the billed cost.
ALTER TABLE cost_rows ADD COLUMN effective_cost numeric;
ALTER TABLE cost_rows ADD COLUMN list_cost numeric;
