import { describe, expect, it } from 'vitest';
import { AwsEventStreamDecoder, encodeEventStreamFrame } from './aws-event-stream.js';
import { fieldTable, JsonFieldScanner } from './json-scanner.js';
import { SseDecoder } from './sse-decoder.js';

function sseModels(stream: string, pieceBytes: number) {
  const models: unknown[] = [];
  const decoder = new SseDecoder(
    new JsonFieldScanner(fieldTable({ model: 'string' }), {
      value: (_p, v) => void models.push(v),
    }),
  );
  const bytes = Buffer.from(stream);
  for (let i = 0; i < bytes.length; i += pieceBytes)
    decoder.write(bytes.subarray(i, i + pieceBytes));
  decoder.end();
  return { models, counts: decoder.counts };
}

describe('SseDecoder', () => {
  it.each([1, 3, 1000])(
    'reads events split anywhere (%i-byte pieces), whatever the line ends',
    (piece) => {
      const stream =
        ': keep-alive comment\r\n' +
        'event: a\r\ndata: {"model":"one"}\r\n\r\n' +
        'data: {"model":\ndata: "two"}\n\n' +
        'id: 7\rdata:{"model":"three"}\r\r' +
        'data: [DONE]\n\n' +
        'data: {"model":"cut';
      expect(sseModels(stream, piece)).toEqual({
        models: ['one', 'two', 'three'],
        counts: { events: 5, malformed: 1 },
      });
    },
  );
});

function frame(eventType: string, payload: string) {
  return encodeEventStreamFrame(
    { ':event-type': eventType, ':message-type': 'event', ':content-type': 'application/json' },
    Buffer.from(payload),
  );
}

describe('AwsEventStreamDecoder', () => {
  function decode(bytes: Buffer, pieceBytes: number) {
    const frames: { type: string | undefined; payload: string; intact: boolean }[] = [];
    let payload = '';
    let type: string | undefined;
    const decoder = new AwsEventStreamDecoder({
      frameStart(headers) {
        type = headers.get(':event-type');
        payload = '';
        return (piece) => void (payload += Buffer.from(piece).toString());
      },
      frameEnd: (intact) => void frames.push({ type, payload, intact }),
    });
    for (let i = 0; i < bytes.length; i += pieceBytes)
      decoder.write(bytes.subarray(i, i + pieceBytes));
    return { frames, failed: decoder.failed, atBoundary: decoder.atBoundary };
  }

  it.each([1, 5, 4096])('splits frames and checks their checksums (%i-byte pieces)', (piece) => {
    const first = frame('chunk', '{"bytes":"e30="}');
    const second = frame('metadata', '{"usage":{"inputTokens":3}}');
    expect(decode(Buffer.concat([first, second]), piece)).toEqual({
      frames: [
        { type: 'chunk', payload: '{"bytes":"e30="}', intact: true },
        { type: 'metadata', payload: '{"usage":{"inputTokens":3}}', intact: true },
      ],
      failed: false,
      atBoundary: true,
    });
  });

  it('marks a frame whose payload was altered as not intact, and reads on', () => {
    const damaged = frame('metadata', '{"usage":{"inputTokens":3}}');
    const at = damaged.length - 10;
    damaged.writeUInt8(damaged[at]! ^ 0x01, at);
    const { frames, failed } = decode(Buffer.concat([damaged, frame('chunk', '{}')]), 64);
    expect(frames.map((f) => f.intact)).toEqual([false, true]);
    expect(failed).toBe(false);
  });

  it('stops at a prelude that is not one, rather than reading garbage as frames', () => {
    const { frames, failed } = decode(Buffer.from('HTTP/1.1 200 OK\r\n\r\n{"not":"a frame"}'), 8);
    expect(frames).toEqual([]);
    expect(failed).toBe(true);
  });
});
