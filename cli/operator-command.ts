// `argmin operator`: runs the operator in a cluster (or against the cluster a kubeconfig names),
// with `/healthz`, `/readyz` and `/metrics` on `--metrics-listen`, until SIGTERM or SIGINT.
import fs from 'node:fs';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { Store } from '../attribution/index.js';
import { DEFAULTS, OperatorMetrics, startOperator, StoreEngine } from '../operator/index.js';

interface OperatorCommandOptions {
  kubeconfig?: string;
  metricsListen: string;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  resyncSeconds: number;
  workers: number;
  sourcesDir: string;
  logLevel: string;
}

/** Where the service account's namespace is mounted in a pod. */
const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function operatorCommand(): Command {
  return new Command('operator')
    .description('reconcile CloudConnectors, CostCenters and AttributionPolicies in a cluster')
    .addOption(
      new Option(
        '--kubeconfig <file>',
        'kubeconfig to use; default: KUBECONFIG, ~/.kube/config, or in-cluster',
      ),
    )
    .addOption(
      new Option(
        '--metrics-listen <host:port>',
        'address of /healthz, /readyz and /metrics',
      ).default('0.0.0.0:8080'),
    )
    .addOption(
      new Option('--lease-namespace <namespace>', 'namespace of the leader-election Lease')
        .env('POD_NAMESPACE')
        .default(inClusterNamespace()),
    )
    .addOption(new Option('--lease-name <name>', 'name of the Lease').default(DEFAULTS.leaseName))
    .addOption(
      new Option('--lease-duration-seconds <n>', 'how long a Lease holds unrenewed')
        .argParser(positiveInteger)
        .default(DEFAULTS.LEASE_DURATION_SECONDS),
    )
    .addOption(
      new Option('--resync-seconds <n>', 'reconcile every object at least this often')
        .argParser(positiveInteger)
        .default(DEFAULTS.RESYNC_PERIOD_MS / 1000),
    )
    .addOption(
      new Option('--workers <n>', 'concurrent reconciles per controller')
        .argParser(positiveInteger)
        .default(DEFAULTS.WORKERS),
    )
    .addOption(
      new Option(
        '--sources-dir <dir>',
        'folder that relative file:// source urls resolve against',
      ).default(process.cwd()),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default('info'),
    )
    .action(async (options: OperatorCommandOptions) => runOperatorCommand(options));
}

async function runOperatorCommand(options: OperatorCommandOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, base: { process: 'argmin-operator' } });
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();

  const store = await Store.open(process.env.DATABASE_URL);
  try {
    const identity = process.env.POD_NAME ?? hostname();
    const operator = await startOperator({
      kubeConfig,
      engine: new StoreEngine(store, options.sourcesDir),
      logger,
      identity,
      leaseNamespace: options.leaseNamespace,
      leaseName: options.leaseName,
      leaseDurationSeconds: options.leaseDurationSeconds,
      renewDeadlineMs: Math.floor((options.leaseDurationSeconds * 1000 * 2) / 3),
      retryPeriodMs: Math.max(1_000, Math.floor((options.leaseDurationSeconds * 1000) / 7)),
      resyncPeriodMs: options.resyncSeconds * 1000,
      workers: options.workers,
      metrics: new OperatorMetrics({ processMetrics: true }),
      metricsListen: options.metricsListen,
    });
    logger.info({ identity, health: operator.healthAddress }, 'operator started');

    const signal = await stopSignal();
    logger.info({ signal }, 'operator stopping');
    await operator.stop();
  } finally {
    await store.close();
  }
}

function inClusterNamespace(): string {
  try {
    // Read once at start-up: a pod's namespace never changes.
    return fs.readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('not a positive integer');
  return n;
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
