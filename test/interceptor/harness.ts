// Starts an interceptor for a test, with its logs captured and Envoy's side played by the double.
import pino from 'pino';
import type { UsageEvent } from '../../attribution/index.js';
import {
  LOG_REDACT_PATHS,
  startInterceptor,
  type Interceptor,
  type InterceptorOptions,
  type UsageEventSink,
} from '../../ext-authz/index.js';
import { EnvoyDouble } from './envoy-double.js';

export interface Harness {
  interceptor: Interceptor;
  envoy: EnvoyDouble;
  logs: string[];
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<InterceptorOptions> & { store: UsageEventSink },
): Promise<Harness> {
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug', redact: LOG_REDACT_PATHS },
    { write: (line: string) => void logs.push(line) },
  );
  const interceptor = await startInterceptor({
    listen: '127.0.0.1:0',
    logger,
    drainTimeoutMs: 1_000,
    ...options,
  });
  const envoy = new EnvoyDouble(interceptor.address);
  // Connect before timing anything: Envoy keeps its connection to the service open.
  await envoy.warmUp();
  return {
    interceptor,
    envoy,
    logs,
    async close() {
      envoy.close();
      await interceptor.close();
    },
  };
}

/** Storage that keeps what it is given. */
export class MemorySink implements UsageEventSink {
  readonly events: UsageEvent[] = [];
  calls = 0;

  async insertUsageEvents(events: UsageEvent[]): Promise<number> {
    this.calls++;
    this.events.push(...events);
    return events.length;
  }
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The current value of a counter or gauge, summed over its labels. */
export async function metricValue(interceptor: Interceptor, name: string): Promise<number> {
  const metric = interceptor.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
