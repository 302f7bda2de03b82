import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import * as ws from 'ws';
import { decodeBody, jsonFrame, jsonWsFrame, msgpackFrame, msgpackWsFrame, parseMediaTime, parseSeq, publishContentType, sseFrame, wsFrameHeader } from './frames.js';

/** ws's own sender and receiver (exported by ws, not declared in @types/ws). */
const { Sender, Receiver } = ws as unknown as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
  Receiver: new (options: object) => NodeJS.EventEmitter & { write(chunk: Buffer): void };
};
/** ws's own framing: the header and payload it would write for a server's frame. */
const wsLibFrame = (payload: Buffer, binary: boolean): Buffer =>
  Buffer.concat(Sender.frame(payload, { fin: true, rsv1: false, opcode: binary ? 2 : 1, mask: false, readOnly: true }));

const message: DataMessage = {
  id: 'score:7',
  stream: 'alpha',
  channel: 'score',
  seq: 7,
  at: 1_700_000_000_000,
  mediaTime: 1500,
  programDateTime: 1_700_000_001_500,
  contentType: 'application/json',
  data: { home: 2, away: 1 },
  source: { kind: 'key', transport: 'http', remoteAddress: '127.0.0.1' },
};

describe('data wire formats', () => {
  it('writes SSE events with the seq as id (channel:seq on the * subscription) and encodes each frame once', () => {
    expect(sseFrame(message, false).toString()).toBe(`id: 7\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
    expect(sseFrame(message, true).toString()).toMatch(/^id: score:7\n/);
    expect(JSON.parse(jsonFrame(message).toString())).toEqual({ type: 'message', message });
    expect(jsonWsFrame(message)).toBe(jsonWsFrame(message));
    expect(msgpackFrame(message)).toEqual(Buffer.from(encode({ type: 'message', message })));
  });

  it('frames a message once as the whole WebSocket frame ws itself would write, payload and all', () => {
    expect(jsonWsFrame(message)).toEqual(wsLibFrame(jsonFrame(message), false));
    expect(msgpackWsFrame(message)).toEqual(wsLibFrame(msgpackFrame(message), true));
    // The three length forms: 7 bits, 16 bits (126), 64 bits (127).
    for (const length of [0, 125, 126, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(length, 7);
      expect(Buffer.concat([wsFrameHeader(length, false), payload])).toEqual(wsLibFrame(payload, false));
    }
    // ws's own receiver reads a long one back whole.
    const big = { ...message, data: 'x'.repeat(70_000) };
    const got: string[] = [];
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => got.push(`${isBinary}:${JSON.parse(String(data)).message.data.length}`));
    receiver.write(jsonWsFrame(big));
    expect(got).toEqual(['false:70000']);
  });

  it('reads content types, bodies, media times and seqs strictly', () => {
    expect(publishContentType('application/json; charset=utf-8')).toBe('application/json');
    expect(publishContentType('application/x-msgpack')).toBe('application/msgpack');
    expect(publishContentType('text/plain')).toBeNull();
    expect(decodeBody('application/msgpack', Buffer.from(encode([1, 'a'])))).toEqual([1, 'a']);
    expect(() => decodeBody('application/json', Buffer.from('{'))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => decodeBody('application/json', Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'BODY_REQUIRED' }));
    expect([parseMediaTime(undefined), parseMediaTime('1500'), parseMediaTime('12.5'), parseMediaTime(3)]).toEqual([undefined, 1500, 12.5, 3]);
    for (const bad of ['soon', '1e3', 'NaN', Infinity, 1e16]) expect(() => parseMediaTime(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect([parseSeq('42'), parseSeq(['3']), parseSeq('score:4'), parseSeq('-1'), parseSeq(undefined)]).toEqual([42, 3, undefined, undefined, undefined]);
  });
});
