-- Service accounts bound to cloud identities by an identity inventory (EKS Pod Identity
-- associations, IAM trust policies), where no annotation on the ServiceAccount says so.
CREATE TABLE workload_bindings (
  inventory text NOT NULL,
  provider text NOT NULL,
  principal text NOT NULL,
  service_account text NOT NULL,
  evidence text NOT NULL,
  source_file text NOT NULL,
  source_line int NOT NULL,
  PRIMARY KEY (inventory, provider, principal, service_account)
);
