// The interceptor under load, as deployed (`argmin interceptor`, its own process, events stored in
// the local PostgreSQL), against a floor: a gRPC server on the same stack (@grpc/grpc-js with
// Envoy's protos) that answers every Check with a constant and every ext_proc message with an
// empty reply. Both run in their own processes and take turns, so that both see the same machine.
//
// - Check at fixed rates, from h2load (compiled, its own process) sending a pre-encoded
//   CheckRequest over 4 HTTP/2 connections, as Envoy's worker threads would hold them. Answer
//   latency is h2load's per-request time; a non-OK answer would show as a missing answer body.
// - Process: streams of one call each (headers, then a streamed OpenAI response in 40 chunks), in
//   Envoy's synchronous mode (each message answered), from h2load at a fixed stream rate; and long
//   streams held open concurrently and paced like a completion, from a load generator of our own
//   (its own process) that times each reply.
//
// Needs h2load (Debian: apt-get install nghttp2-client); see bench/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import {
  AUTHORIZATION_PROTO,
  EXTERNAL_PROCESSOR_PROTO,
  loadEnvoyProtos,
} from '../ext-authz/index.js';
import { freshPostgres } from '../test/databases.js';
import { SAMPLE_CHECK_REQUEST } from '../test/interceptor/envoy-double.js';
import { streamedCompletion } from '../test/interceptor/provider-responses.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';
const PROCESS_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';
const CHECK_RATES = [1_000, 2_000, 4_000];
/** Rates past the fixed ones, tried until p99 reaches the bound or the rate is not achieved. */
const HIGHER_RATES = [6_000, 8_000, 12_000, 16_000];
const P99_BOUND_MS = 5;
const BUDGET_MS = 50;
const TARGET_P99_RATIO = 1.3;
const MEASURE_SECONDS = 6;
const WARM_UP_SECONDS = 1;
const CONNECTIONS = 4;
const STREAMS_PER_CONNECTION = 100;
const BODY_CHUNKS = 40;
const PROCESS_STREAM_RATES = [50, 100];
const PACED_STREAMS = 200;
const PACED_CHUNK_INTERVAL_MS = 50;
/**
 * The machine is shared: the servers and generators run at a raised priority where allowed (as
 * root), so that other work disturbs the figures less. It applies to both servers alike.
 */
const RAISED_NICENESS = -10;
const NICE = `nice -n ${RAISED_NICENESS}`;

type Server = 'floor' | 'interceptor';

interface Figures {
  server: Server;
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  overBudget: number;
  notOk: number;
  generatorCpu: number;
}

export async function run(): Promise<void> {
  if (spawnSync('h2load', ['--version']).status !== 0) {
    console.log('h2load is not installed (Debian: apt-get install -y nghttp2-client); skipped.');
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'argmin-bench-interceptor-'));
  const db = await freshPostgres();
  const children: ChildProcess[] = [];
  try {
    const bodies = await writeBodies(dir);
    const floor = await startServer(children, ['floor'], {});
    const ours = await startServer(children, ['interceptor', '--metrics-listen', '127.0.0.1:0'], {
      DATABASE_URL: db.url!,
    });
    const addresses: Record<Server, string> = { floor: floor.address, interceptor: ours.address };
    const answerBytes: Record<Server, number> = {
      floor: await checkAnswerBytes(floor.address),
      interceptor: await checkAnswerBytes(ours.address),
    };

    const [load1] = os.loadavg();
    console.log(
      `machine: ${os.cpus().length} cores, load average ${load1!.toFixed(1)} at the start; ` +
        `servers and generators at ${priorityRaised ? `niceness ${RAISED_NICENESS}` : 'normal priority'}`,
    );
    const ceiling = await h2load(addresses.floor, CHECK_PATH, bodies.check, { requests: 40_000 });
    console.log(
      `generator: h2load, unthrottled against the floor: ${ceiling.achieved.toFixed(0)} Checks/s ` +
        `using ${(ceiling.generatorCpu * 100).toFixed(0)}% of one core`,
    );

    const checks: Figures[] = [];
    const measureAt = async (rate: number) => {
      const pair: Figures[] = [];
      // Alternate which goes first, so that neither always runs on a warmer machine.
      const order: Server[] =
        checks.length % 4 === 0 ? ['floor', 'interceptor'] : ['interceptor', 'floor'];
      for (const server of order) {
        await h2load(addresses[server], CHECK_PATH, bodies.check, {
          rate,
          seconds: WARM_UP_SECONDS,
        });
        const run = await h2load(addresses[server], CHECK_PATH, bodies.check, {
          rate,
          seconds: MEASURE_SECONDS,
          answerBytes: answerBytes[server],
          dir,
        });
        pair.push({ ...run, server, rate });
      }
      checks.push(...pair);
      return pair;
    };
    for (const rate of CHECK_RATES) await measureAt(rate);
    for (const rate of HIGHER_RATES) {
      const pair = await measureAt(rate);
      if (pair.every((f) => f.p99 >= P99_BOUND_MS || f.achieved < 0.95 * rate)) break;
    }
    printChecks(checks);

    const streams: Figures[] = [];
    for (const rate of PROCESS_STREAM_RATES) {
      for (const server of ['floor', 'interceptor'] as const) {
        await h2load(addresses[server], PROCESS_PATH, bodies.process, {
          rate,
          seconds: WARM_UP_SECONDS,
        });
        const run = await h2load(addresses[server], PROCESS_PATH, bodies.process, {
          rate,
          seconds: MEASURE_SECONDS,
          answerBytes: bodies.processAnswerBytes,
          dir,
        });
        streams.push({ ...run, server, rate });
      }
    }
    printStreams(streams);

    for (const server of ['floor', 'interceptor'] as const) {
      const paced = await pacedStreams(addresses[server]);
      console.log(
        `${server}: ${PACED_STREAMS} streams open, a chunk every ${PACED_CHUNK_INTERVAL_MS} ms each ` +
          `(${paced.messagesPerSecond.toFixed(0)} messages/s): reply p50 ${paced.p50.toFixed(2)} ms, ` +
          `p99 ${paced.p99.toFixed(2)} ms, p99.9 ${paced.p999.toFixed(2)} ms, max ${paced.max.toFixed(1)} ms; ` +
          `generator at ${(paced.generatorCpu * 100).toFixed(0)}% of one core`,
      );
    }
    const metrics = await (await fetch(`http://${ours.metricsAddress}/metrics`)).text();
    console.log(
      `interceptor: ${metricLine(metrics, 'argmin_interceptor_events_total')} events recorded, ` +
        `${metricLine(metrics, 'argmin_interceptor_events_dropped_total')} dropped, ` +
        `${metricLine(metrics, 'argmin_interceptor_fail_open_total')} failed open`,
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Bodies {
  check: string;
  process: string;
  /** DATA bytes of the replies to one Process stream: one empty reply per message. */
  processAnswerBytes: number;
}

/** Pre-encoded request bodies: one gRPC-framed CheckRequest, one whole ext_proc stream. */
async function writeBodies(dir: string): Promise<Bodies> {
  const root = await loadEnvoyProtos([AUTHORIZATION_PROTO, EXTERNAL_PROCESSOR_PROTO]);
  const frame = (type: protobuf.Type, value: object) => {
    const message = type.encode(type.fromObject(value)).finish();
    const framed = Buffer.alloc(5 + message.length);
    framed.writeUInt32BE(message.length, 1);
    Buffer.from(message).copy(framed, 5);
    return framed;
  };
  const checkRequest = root.lookupType('envoy.service.auth.v3.CheckRequest');
  const processingRequest = root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
  const headers = (map: Record<string, string>) => ({
    headers: Object.entries(map).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })),
  });

  const check = path.join(dir, 'check.bin');
  await writeFile(check, frame(checkRequest, SAMPLE_CHECK_REQUEST));

  const chunks = streamedCompletion(BODY_CHUNKS);
  const messages = [
    frame(processingRequest, {
      request_headers: {
        headers: headers({
          ':authority': 'api.openai.com',
          ':path': '/v1/chat/completions',
          ':method': 'POST',
          'x-request-id': 'bench',
        }),
        end_of_stream: true,
      },
    }),
    frame(processingRequest, {
      response_headers: {
        headers: headers({ ':status': '200', 'content-type': 'text/event-stream' }),
      },
    }),
    ...chunks.map((body, i) =>
      frame(processingRequest, { response_body: { body, end_of_stream: i === chunks.length - 1 } }),
    ),
  ];
  const process = path.join(dir, 'process.bin');
  await writeFile(process, Buffer.concat(messages));
  const emptyReplyBytes = 5 + 2;
  return { check, process, processAnswerBytes: messages.length * emptyReplyBytes };
}

interface Started {
  address: string;
  metricsAddress?: string;
}

/** Starts `argmin interceptor` or the floor in a process of its own. */
async function startServer(
  children: ChildProcess[],
  args: string[],
  env: Record<string, string>,
): Promise<Started> {
  const [kind, ...rest] = args;
  const script =
    kind === 'floor'
      ? ['test/interceptor/floor-server.ts']
      : [
          '--input-type=module',
          '-e',
          `const { interceptorCommand } = await import('./cli/interceptor-command.ts');
           await interceptorCommand().parseAsync(process.argv.slice(1), { from: 'user' });`,
          '--',
          '--listen',
          '127.0.0.1:0',
          ...rest,
        ];
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  raisePriority(child.pid!);
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const address = /"address":"([^"]+)"|^listening (\S+)$/m.exec(output);
      if (address) {
        const metrics = /"metricsAddress":"([^"]+)"/.exec(output);
        resolve({ address: (address[1] ?? address[2])!, metricsAddress: metrics?.[1] });
      }
    });
  });
}

/** Calls Check once, checks the answer is OK, and returns the DATA bytes of one answer. */
async function checkAnswerBytes(address: string): Promise<number> {
  const root = await loadEnvoyProtos([AUTHORIZATION_PROTO]);
  const checkResponse = root.lookupType('envoy.service.auth.v3.CheckResponse');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        CHECK_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (err, value) => (err ? reject(err) : resolve(value!)),
      ),
    );
    const answer = checkResponse.toObject(checkResponse.decode(reply), { defaults: true });
    if (answer.status?.code !== 0 || !answer.ok_response)
      throw new Error(`${address} did not answer OK`);
    return 5 + reply.length;
  } finally {
    client.close();
  }
}

interface H2loadOptions {
  /** Requests a second over all connections; unthrottled when absent. */
  rate?: number;
  seconds?: number;
  requests?: number;
  /** DATA bytes every answer must carry; fewer means an answer without a message (an error). */
  answerBytes?: number;
  /** Where to write the per-request log; latencies are read only when given. */
  dir?: string;
}

type H2loadRun = Omit<Figures, 'server' | 'rate'>;

let h2loadRuns = 0;

async function h2load(
  address: string,
  urlPath: string,
  body: string,
  options: H2loadOptions,
): Promise<H2loadRun> {
  const requests = options.requests ?? Math.round(options.rate! * options.seconds!);
  // h2load appends to its log, so every run writes a file of its own.
  const log = options.dir ? path.join(options.dir, `h2load-${++h2loadRuns}.tsv`) : undefined;
  const args = [
    ...['-t', '1', '-c', String(CONNECTIONS), '-m', String(STREAMS_PER_CONNECTION)],
    ...['-n', String(requests), '-d', body],
    ...['-H', 'content-type: application/grpc', '-H', 'te: trailers'],
    ...(options.rate ? [`--rps=${options.rate / CONNECTIONS}`] : []),
    ...(log ? [`--log-file=${log}`] : []),
    `http://${address}${urlPath}`,
  ];
  // `times` after h2load prints the CPU time its child used, to show what the generator spent.
  const started = performance.now();
  const shell = spawnSync('bash', ['-c', `${NICE} h2load "$@" && times`, 'h2load', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (shell.status !== 0) throw new Error(`h2load failed: ${shell.stderr || shell.stdout}`);
  const out = shell.stdout;

  const finished = /finished in ([\d.]+)m?s, ([\d.]+) req\/s/.exec(out);
  const counts = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded/.exec(out);
  const data = /\((\d+)\) data/.exec(out);
  const cpu = [...out.matchAll(/(\d+)m([\d.]+)s/g)]
    .slice(2)
    .map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (!finished || !counts || !data) throw new Error(`unexpected h2load output:\n${out}`);
  const done = Number(counts[2]);
  const missingAnswers = options.answerBytes
    ? Math.max(0, Math.round((done * options.answerBytes - Number(data[1])) / options.answerBytes))
    : 0;

  const latenciesMs = log ? await readLatencies(log) : [];
  const at = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? NaN;
  return {
    achieved: Number(finished[2]),
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: latenciesMs.at(-1) ?? NaN,
    overBudget: latenciesMs.filter((ms) => ms > BUDGET_MS).length,
    notOk: Number(counts[1]) - Number(counts[3]) + missingAnswers,
    generatorCpu: (cpu[0]! + cpu[1]!) / wallSeconds,
  };
}

/** h2load's log: start time, HTTP status, microseconds to the end of the response. */
async function readLatencies(log: string): Promise<number[]> {
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  const latencies: number[] = [];
  for (const line of lines) {
    const [, status, micros] = line.split('\t');
    latencies.push(status === '200' ? Number(micros) / 1000 : Infinity);
  }
  return latencies.sort((a, b) => a - b);
}

interface Paced {
  messagesPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  generatorCpu: number;
}

/** Long streams held open, paced like a completion, from a generator in its own process. */
async function pacedStreams(address: string): Promise<Paced> {
  const child = spawnSync(
    'nice',
    [
      '-n',
      String(RAISED_NICENESS),
      process.execPath,
      '--import',
      'tsx',
      'test/interceptor/paced-streams.ts',
      address,
      String(PACED_STREAMS),
      String(BODY_CHUNKS),
      String(PACED_CHUNK_INTERVAL_MS),
      String(MEASURE_SECONDS),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`paced streams failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Paced;
}

function printChecks(checks: Figures[]): void {
  console.log('\nCheck, answer latency in ms (h2load, end of response):\n');
  console.log(
    '| rate/s | server | achieved/s | p50 | p99 | p99.9 | max | over 50 ms | not OK | p99 / floor |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const f of checks) {
    const floor = checks.find((o) => o.rate === f.rate && o.server === 'floor')!;
    const ratio = f.server === 'floor' ? '' : (f.p99 / floor.p99).toFixed(2);
    console.log(
      `| ${f.rate} | ${f.server} | ${f.achieved.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p99)} | ` +
        `${ms(f.p999)} | ${ms(f.max)} | ${f.overBudget} | ${f.notOk} | ${ratio} |`,
    );
  }
  const ours = checks.filter((f) => f.server === 'interceptor');
  const floorOf = (f: Figures) => checks.find((o) => o.rate === f.rate && o.server === 'floor')!;
  const fixed = ours.filter((f) => CHECK_RATES.includes(f.rate));
  const withinRatio = fixed.every((f) => f.p99 <= TARGET_P99_RATIO * floorOf(f).p99);
  const clean = ours
    .filter((f) => f.rate <= 2_000)
    .every((f) => f.overBudget === 0 && f.notOk === 0);
  const highest = (server: Server) =>
    Math.max(
      0,
      ...checks
        .filter((f) => f.server === server && f.p99 < P99_BOUND_MS && f.achieved >= 0.95 * f.rate)
        .map((f) => f.rate),
    );
  console.log(
    `\np99 within ${TARGET_P99_RATIO}x the floor's at 1,000, 2,000 and 4,000/s: ${withinRatio ? 'yes' : 'no'}`,
  );
  console.log(
    `no answer over ${BUDGET_MS} ms and none not OK up to 2,000/s: ${clean ? 'yes' : 'no'}`,
  );
  console.log(
    `highest rate with p99 under ${P99_BOUND_MS} ms: floor ${highest('floor')}/s, interceptor ${highest('interceptor')}/s`,
  );
}

function printStreams(streams: Figures[]): void {
  console.log(
    `\nProcess, whole streams of ${BODY_CHUNKS + 2} messages, every one answered (h2load):\n`,
  );
  console.log('| streams/s | server | achieved/s | p50 | p99 | p99.9 | max | not OK |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const f of streams) {
    console.log(
      `| ${f.rate} | ${f.server} | ${f.achieved.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p99)} | ` +
        `${ms(f.p999)} | ${ms(f.max)} | ${f.notOk} |`,
    );
  }
  console.log();
}

let priorityRaised = true;

function raisePriority(pid: number): void {
  try {
    os.setPriority(pid, RAISED_NICENESS);
  } catch {
    // Not allowed here: the figures then share the machine with whatever else runs.
    priorityRaised = false;
  }
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

function metricLine(text: string, name: string): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
    sum += Number(match[1]);
  return sum;
}
