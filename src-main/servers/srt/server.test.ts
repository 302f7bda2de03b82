import dgram from 'node:dgram';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CollectingReader } from '../../../test-support/collecting-reader.js';
import { waitFor } from '../../../test-support/wait.js';
import { ChildRegistry } from '../../core/children.js';
import { capsOf } from '../../encoder/capabilities.js';
import { buildTag, chunkFromTag, flvHeader, TAG_SCRIPT, TAG_VIDEO } from '../../protocols/flv/flv.js';
import { PathManager } from '../../media/path-manager.js';
import { tsToFlvArgs, type ConverterSink, type TsConverter } from './converter.js';
import { decodeHandshake, decodeSrtHs, encodeHandshake, EXT_HSRSP, findExtension, HS_INDUCTION, type Handshake } from './handshake.js';
import { callerConclusion } from './negotiate.js';
import { CTRL_ACK, CTRL_ACKACK, CTRL_HANDSHAKE, CTRL_NAK, CTRL_SHUTDOWN, decodeAckCif, encodeControl, encodeData, parsePacket, type ControlPacket } from './packet.js';
import { decodeLossList } from './seq.js';
import { SrtServer } from './server.js';

// The server against a scripted caller on a real loopback UDP socket; ffmpeg is replaced by a fake converter.
const KEY = 'sk_unit_key_42';

class FakeConverter implements TsConverter {
  readonly ts: Buffer[] = [];
  stopped = false;
  constructor(readonly sink: ConverterSink) {}
  write(ts: Buffer): void {
    this.ts.push(ts);
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

class Caller {
  readonly socket = dgram.createSocket('udp4');
  readonly received: ControlPacket[] = [];
  constructor(readonly socketId: number) {
    this.socket.on('message', (m) => {
      const packet = parsePacket(m);
      if (packet?.control) this.received.push(packet);
    });
  }
  async open(): Promise<this> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    return this;
  }
  send(buf: Buffer): void {
    this.socket.send(buf, port, '127.0.0.1');
  }
  handshake(hs: Handshake): void {
    this.send(encodeControl({ type: CTRL_HANDSHAKE, timestamp: 0, destSocketId: 0, cif: encodeHandshake(hs) }));
  }
  async next(type: number, timeoutMs = 2000): Promise<ControlPacket> {
    const found = await waitFor(`a packet of type ${type}`, () => {
      const index = this.received.findIndex((p) => p.type === type);
      return index >= 0 ? this.received.splice(index, 1)[0] : undefined;
    }, timeoutMs, 5);
    return found;
  }
  /** Induction then conclusion; returns the listener's answer to the conclusion. */
  async connect(streamId: string | undefined, extra: Partial<Parameters<typeof callerConclusion>[0]> = {}): Promise<Handshake> {
    this.handshake({ ...callerConclusion({ isn: ISN, socketId: this.socketId, cookie: 0 }), version: 4, extensionField: 2, type: HS_INDUCTION, extensions: [] });
    const induction = decodeHandshake((await this.next(CTRL_HANDSHAKE)).cif)!;
    this.handshake(callerConclusion({ isn: ISN, socketId: this.socketId, cookie: induction.cookie, ...(streamId === undefined ? {} : { streamId }), ...extra }));
    return decodeHandshake((await this.next(CTRL_HANDSHAKE)).cif)!;
  }
  data(seq: number, to: number, payload = Buffer.from([seq & 0xff])): void {
    this.send(encodeData({ seq, messageNumber: seq & 0x3ffffff, timestamp: 0, destSocketId: to, payload }));
  }
  close(): void {
    this.socket.close();
  }
}

function onMetaData(width: number, height: number): Buffer {
  const name = (s: string): Buffer => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
  const num = (key: string, v: number): Buffer => {
    const value = Buffer.alloc(9);
    value.writeDoubleBE(v, 1);
    return Buffer.concat([name(key), value]);
  };
  return Buffer.concat([Buffer.from([2]), name('onMetaData'), Buffer.from([8, 0, 0, 0, 3]), num('width', width), num('height', height), num('videocodecid', 7), Buffer.from([0, 0, 9])]);
}

const ISN = 0x7ffffffe; // the first packets wrap around 2^31
let port: number;
let server: SrtServer;
let paths: PathManager;
let converters: FakeConverter[];
let logLines: Record<string, unknown>[];
const callers: Caller[] = [];

async function caller(id = 0x1000 + callers.length): Promise<Caller> {
  const c = await new Caller(id).open();
  callers.push(c);
  return c;
}

beforeEach(async () => {
  converters = [];
  logLines = [];
  paths = new PathManager();
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  server = new SrtServer({
    port: 0, bind: '127.0.0.1', logger, paths, children: new ChildRegistry(), ffmpegPath: () => Promise.reject(new Error('unused')),
    authorize: (key) => (key === KEY ? { name: 'main' } : null),
    peerIdleTimeoutMs: 400,
    createConverter: (sink) => {
      const converter = new FakeConverter(sink);
      converters.push(converter);
      return converter;
    },
  });
  await server.start();
  ({ port } = server.address());
});

afterEach(async () => {
  for (const c of callers.splice(0)) c.close();
  await server.dispose();
});

describe('SrtServer handshake', () => {
  it('accepts a valid key: induction cookie, HSRSP, the same answer to a repeated conclusion', async () => {
    const c = await caller();
    const answer = await c.connect(`publish:${KEY}`, { latencyMs: 250 });
    expect(answer).toMatchObject({ version: 5, type: 0xffffffff, isn: ISN });
    expect(answer.socketId).toBeGreaterThan(0);
    expect(decodeSrtHs(findExtension(answer, EXT_HSRSP)!.data)).toMatchObject({ recvLatencyMs: 250 });
    expect(paths.publisherOf('main')).toMatchObject({ protocol: 'srt', remoteAddress: '127.0.0.1' });
    expect(server.connectionCount).toBe(1);
    const again = callerConclusion({ isn: ISN, socketId: c.socketId, cookie: answer.cookie, streamId: `publish:${KEY}` });
    c.handshake(again);
    expect(decodeHandshake((await c.next(CTRL_HANDSHAKE)).cif)).toEqual(answer);
    expect(server.connectionCount).toBe(1);
  });

  it('stays silent to a conclusion without a valid cookie', async () => {
    const c = await caller();
    c.handshake(callerConclusion({ isn: ISN, socketId: c.socketId, cookie: 12345, streamId: `publish:${KEY}` }));
    await expect(c.next(CTRL_HANDSHAKE, 200)).rejects.toThrow('timed out');
    expect(paths.liveNames()).toEqual([]);
  });

  it('rejects a wrong or missing key (1403, 1400), encryption (11) and a second publisher (1407), never logging the key', async () => {
    const wrong = await caller();
    const refused = await wrong.connect(`publish:nope-${KEY}`);
    expect(refused).toMatchObject({ type: 1000 + 1403, socketId: wrong.socketId, extensions: [] });
    expect((await (await caller()).connect(undefined)).type).toBe(1000 + 1400);
    expect((await (await caller()).connect(`publish:${KEY}`, { encryption: 2 })).type).toBe(1000 + 11);
    expect(paths.liveNames()).toEqual([]);
    await (await caller()).connect(`publish:${KEY}`);
    expect((await (await caller()).connect(`#!::r=${KEY},m=publish`)).type).toBe(1000 + 1407);
    // A refused caller asks again: it gets the same answer, logged once.
    wrong.handshake(callerConclusion({ isn: ISN, socketId: wrong.socketId, cookie: refused.cookie, streamId: `publish:nope-${KEY}` }));
    expect(decodeHandshake((await wrong.next(CTRL_HANDSHAKE)).cif)?.type).toBe(1000 + 1403);
    const refusals = logLines.filter((l) => String(l.msg).startsWith('SRT caller refused'));
    expect(refusals.map((l) => l.reason)).toEqual([1403, 1400, 11, 1407]);
    expect(JSON.stringify(logLines)).not.toContain(KEY);
  });
});

describe('SrtServer connection', () => {
  it('delivers in order across the wrap, NAKs a hole, ACKs, takes ACKACK', async () => {
    const c = await caller();
    const { socketId } = await c.connect(`publish:${KEY}`);
    c.data(ISN, socketId);
    c.data(0, socketId); // ISN + 2: ISN + 1 (0x7fffffff) is missing
    const nak = await c.next(CTRL_NAK);
    expect(decodeLossList(nak.cif)).toEqual([{ from: 0x7fffffff, to: 0x7fffffff }]);
    expect(nak.destSocketId).toBe(c.socketId);
    c.data(0x7fffffff, socketId);
    await waitFor('three TS packets in the converter', () => converters[0]!.ts.length === 3, 2000, 5);
    expect(converters[0]!.ts.map((b) => b[0])).toEqual([0xfe, 0xff, 0x00]);
    const ack = await waitFor('the ACK of packet 1', () => c.received.find((p) => p.type === CTRL_ACK && decodeAckCif(p.cif)?.lastAckSeq === 1), 2000, 5);
    c.send(encodeControl({ type: CTRL_ACKACK, typeInfo: ack.typeInfo, timestamp: 0, destSocketId: socketId, cif: Buffer.alloc(4) }));
    // Packets for this socket id from another address or port are not the caller's: ignored.
    const stranger = await caller(c.socketId);
    stranger.data(1, socketId);
    await new Promise((r) => setTimeout(r, 50));
    expect(converters[0]!.ts.length).toBe(3);
  });

  it('feeds converter output to the path (onMetaData only) and sets tracks', async () => {
    const reader = new CollectingReader('reader');
    paths.addReader('main', reader);
    const c = await caller();
    await c.connect(`publish:${KEY}`);
    const sink = converters[0]!.sink;
    sink.chunk(chunkFromTag(flvHeader(false, true)));
    sink.chunk(chunkFromTag(buildTag(TAG_SCRIPT, 0, onMetaData(640, 360))));
    sink.chunk(chunkFromTag(buildTag(TAG_SCRIPT, 0, Buffer.from([2, 0, 10, ...Buffer.from('onCuePoint')]))));
    sink.chunk(chunkFromTag(buildTag(TAG_VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]))));
    expect(reader.chunks.map((ch) => ch.kind)).toEqual(['header', 'metadata', 'video']);
    expect(paths.tracksOf('main')).toMatchObject({ video: { codec: 'h264', width: 640, height: 360 } });
  });

  it('ends the path at once on SHUTDOWN and stops the converter', async () => {
    const reader = new CollectingReader('reader');
    paths.addReader('main', reader);
    const c = await caller();
    const { socketId } = await c.connect(`publish:${KEY}`);
    c.send(encodeControl({ type: CTRL_SHUTDOWN, timestamp: 0, destSocketId: socketId, cif: Buffer.alloc(4) }));
    await waitFor('the reader to close', () => reader.closedWith, 200, 5);
    expect(reader.closedWith).toBe('publisher disconnected');
    expect(converters[0]!.stopped).toBe(true);
    expect(server.connectionCount).toBe(0);
  });

  it('drops a silent peer after the idle timeout; kick and a converter failure send SHUTDOWN', async () => {
    const reader = new CollectingReader('reader');
    paths.addReader('main', reader);
    await (await caller()).connect(`publish:${KEY}`);
    await waitFor('the reader to close', () => reader.closedWith, 1000, 5);
    expect(reader.closedWith).toBe('publisher timed out');

    const kicked = await caller();
    await kicked.connect(`publish:${KEY}`);
    expect(paths.kick('main', 'stream key rotated')).toBe(true);
    expect((await kicked.next(CTRL_SHUTDOWN)).destSocketId).toBe(kicked.socketId);
    expect(converters[1]!.stopped).toBe(true);

    const failing = await caller();
    const failReader = new CollectingReader('reader');
    paths.addReader('main', failReader);
    await failing.connect(`publish:${KEY}`);
    converters[2]!.sink.failed('ffmpeg exited (code 1)');
    await failing.next(CTRL_SHUTDOWN);
    expect(failReader.closedWith).toBe('ffmpeg exited (code 1)');
    expect(server.connectionCount).toBe(0);
  });

  it('dispose shuts every connection down', async () => {
    const c = await caller();
    await c.connect(`publish:${KEY}`);
    await server.dispose();
    expect(paths.liveNames()).toEqual([]);
    expect(c.received.some((p) => p.type === CTRL_SHUTDOWN) || (await c.next(CTRL_SHUTDOWN))).toBeTruthy();
    expect(converters[0]!.stopped).toBe(true);
  });
});

describe('tsToFlvArgs', () => {
  it('leaves ADTS AAC to a current flv muxer, and names aac_adtstoasc for one that refuses it (ffmpeg 4.1)', () => {
    expect(tsToFlvArgs()).not.toContain('-bsf:a');
    expect(tsToFlvArgs(capsOf({ 'remux:flv_adts': true }))).not.toContain('-bsf:a');
    const old = tsToFlvArgs(capsOf({ 'remux:flv_adts': false }));
    expect(old[old.indexOf('-bsf:a') + 1]).toBe('aac_adtstoasc');
    expect(old.slice(-3)).toEqual(['-f', 'flv', 'pipe:1']);
  });
});
