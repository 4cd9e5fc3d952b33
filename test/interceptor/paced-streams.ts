// A load generator that holds many ext_proc streams open at once, as Envoy does while completions
// stream: each stream sends request and response headers, then one body chunk every interval,
// and times the reply to each message. It runs in its own process and prints one JSON line:
//   npx tsx test/interceptor/paced-streams.ts <address> <streams> <chunks> <intervalMs> <seconds>
// Messages are encoded once, up front, so the generator spends its time on the transport.
import * as grpc from '@grpc/grpc-js';
import { EXTERNAL_PROCESSOR_PROTO, loadEnvoyProtos } from '../../ext-authz/index.js';
import { streamedCompletion } from './provider-responses.js';

const [address, streams, chunks, intervalMs, seconds] = process.argv.slice(2);
const STREAMS = Number(streams);
const INTERVAL_MS = Number(intervalMs);

const root = await loadEnvoyProtos([EXTERNAL_PROCESSOR_PROTO]);
const request = root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
const encode = (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish());
const headers = (map: Record<string, string>) => ({
  headers: Object.entries(map).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })),
});
const body = streamedCompletion(Number(chunks));
const messages = [
  encode({
    request_headers: {
      headers: headers({ ':authority': 'api.openai.com', ':path': '/v1/chat/completions' }),
      end_of_stream: true,
    },
  }),
  encode({
    response_headers: {
      headers: headers({ ':status': '200', 'content-type': 'text/event-stream' }),
    },
  }),
  ...body.map((piece, i) =>
    encode({ response_body: { body: piece, end_of_stream: i === body.length - 1 } }),
  ),
];

const client = new grpc.Client(address!, grpc.credentials.createInsecure());
const latenciesMs: number[] = [];
const deadline = performance.now() + Number(seconds) * 1000;
const cpuBefore = process.cpuUsage();
const started = performance.now();

/** One stream after another on one slot, until the time is up. */
async function slot(offsetMs: number): Promise<void> {
  await sleep(offsetMs);
  while (performance.now() < deadline) await oneStream();
}

function oneStream(): Promise<void> {
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(
      '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const sentAt: number[] = [];
    call.on('data', () => latenciesMs.push(performance.now() - sentAt.shift()!));
    call.on('error', () => resolve());
    call.on('end', () => resolve());
    let next = 0;
    const send = () => {
      if (next === messages.length) {
        call.end();
        return;
      }
      sentAt.push(performance.now());
      call.write(messages[next++]!);
      // Headers go at once; body chunks at the pace of a streamed completion.
      setTimeout(send, next < 2 ? 0 : INTERVAL_MS);
    };
    send();
  });
}

await Promise.all(Array.from({ length: STREAMS }, (_, i) => slot((i * INTERVAL_MS) / STREAMS)));
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
client.close();

latenciesMs.sort((a, b) => a - b);
const at = (q: number) =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))]!;
console.log(
  JSON.stringify({
    messagesPerSecond: latenciesMs.length / (wallMs / 1000),
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: latenciesMs.at(-1),
    generatorCpu: (cpu.user + cpu.system) / 1000 / wallMs,
  }),
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
