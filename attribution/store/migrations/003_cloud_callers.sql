-- Callers on Google Cloud and Azure, beside AWS: service account emails, workload identity
-- principals, Entra application ids.
ALTER TABLE usage_events ADD COLUMN caller_gcp_principal text;
ALTER TABLE usage_events ADD COLUMN caller_azure_principal text;
