import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoPub, mosquittoSub } from '../../../test-support/mosquitto.js';
import { needs } from '../../../test-support/peers.js';
import { waitFor } from '../../../test-support/wait.js';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import { RESERVED_CHANNELS } from '../../../src-shared/contract/data.js';
import { CONFIG_DEFAULTS } from '../../../src-shared/config.js';
import { ChildRegistry } from '../../core/children.js';
import { silentLogger } from '../../core/logger.js';
import { DataHub } from '../../data/hub.js';
import type { StreamClockPort } from '../../data/types.js';
import { openDatabase } from '../../store/db.js';
import { freePort } from '../../platform/net.js';
import { MqttServer } from './server.js';

// Debian's mosquitto_pub and mosquitto_sub (3.1.1 and 5) against the broker, bridged to the data hub (a real one, on a temp database).
const TOKEN = 'api-token-for-mqtt-tests';
const KEYS: Record<string, string> = { sk_show: 'show', sk_other: 'other' };
const STREAMS: Record<string, { private: boolean }> = { show: { private: false }, other: { private: false }, secret: { private: true } };
const MAX_PACKET_KB = 4;

/** Every stream live, its run anchored at media time 0 = PDT 1_700_000_000_000; the newest frame at 5000 ms. */
const clock: StreamClockPort = {
  stamp: (_stream, mediaTime) => ({ mediaTime: mediaTime ?? 5000, programDateTime: 1_700_000_000_000 + (mediaTime ?? 5000) }),
  view: () => ({ live: true, mediaTime: 5000, programDateTime: null, anchor: null }),
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-int-'));
const db = openDatabase(path.join(dir, 'studio.db'));
const hub = new DataHub({ db, clock, config: () => CONFIG_DEFAULTS.data, logger: silentLogger() });
const kept = (stream: string, channel: string): DataMessage[] => hub.messages(stream, channel, {});

const children = new ChildRegistry(500);
let server: MqttServer;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = new MqttServer({
    hub,
    authenticate: (password) => (password === TOKEN ? { kind: 'api' } : KEYS[password] ? { kind: 'key', stream: KEYS[password]! } : null),
    streams: { get: (name) => STREAMS[name] },
    config: () => ({ port, bind: '127.0.0.1', maxPacketKilobytes: MAX_PACKET_KB }),
    logger: silentLogger(),
  });
  await server.start();
});

afterAll(async () => {
  await children.dispose();
  await server.dispose();
  hub.dispose();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Version = 'mqttv311' | 'mqttv5';
const peer = (version: Version, password?: string) => ({ children, port, version, password });
const pub = (version: Version, password: string | undefined, topic: string, payload: string | Buffer, extra: string[] = []) =>
  mosquittoPub(peer(version, password), topic, payload, extra);
const sub = (version: Version, password: string | undefined, topics: string[], count: number, seconds = 5, extra: string[] = []) =>
  mosquittoSub(peer(version, password), topics, count, seconds, extra);

/** A client of our own (mqtt-packet) for what the mosquitto tools cannot show: raw limits, a reader that stops. */
async function rawClient(protocolVersion: 4 | 5, clientId: string, subscribeTo?: string, properties?: mqttPacket.IConnectPacket['properties']) {
  const socket = net.connect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(p));
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  socket.on('error', () => {});
  await once(socket, 'connect');
  const send = (packet: mqttPacket.Packet): boolean => socket.write(mqttPacket.generate(packet, { protocolVersion }));
  send({ cmd: 'connect', protocolVersion, clientId, clean: true, keepalive: 30, username: 'x', password: Buffer.from(TOKEN), ...(properties && { properties }) });
  await waitFor('the CONNACK', () => packets.some((p) => p.cmd === 'connack'), 3000, 10);
  if (subscribeTo) {
    send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: subscribeTo, qos: 0 }] });
    await waitFor('the SUBACK', () => packets.some((p) => p.cmd === 'suback'), 3000, 10);
  }
  return { socket, packets };
}

describe.skipIf(needs('mosquitto'))('MQTT broker with mosquitto clients (3.1.1 and 5)', () => {
  describe.each<Version>(['mqttv311', 'mqttv5'])('%s', (version) => {
    const stream = version === 'mqttv5' ? 'other' : 'show';
    const key = version === 'mqttv5' ? 'sk_other' : 'sk_show';
    const channel = `qos-${version.slice(-2)}`;

    it('delivers QoS 0, 1 and 2 at the subscribed QoS, and each publish reaches the hub once with its source', async () => {
      const topic = `streams/${stream}/data/${channel}`;
      const subscriber = await sub(version, TOKEN, [topic], 3, 5, ['-q', '2']);
      expect(server.subscribers(stream, channel)).toBe(1);
      for (const qos of [0, 1, 2]) {
        const result = await pub(version, key, topic, JSON.stringify({ qos }), ['-q', String(qos)]);
        expect(result.code, result.stderr).toBe(0);
      }
      const { messages } = await subscriber.done;
      expect(messages.map((m) => [m.qos, m.payload])).toEqual([[0, '{"qos":0}'], [1, '{"qos":1}'], [2, '{"qos":2}']]);
      expect(kept(stream, channel).map((m) => [m.seq, m.data, m.source.kind, m.source.transport])).toEqual([
        [1, { qos: 0 }, 'key', 'mqtt'], [2, { qos: 1 }, 'key', 'mqtt'], [3, { qos: 2 }, 'key', 'mqtt'],
      ]);
    });

    it('keeps a retained message for later subscribers, and filters wildcards to what an anonymous client may read', async () => {
      const retainedTopic = `streams/${stream}/data/score-${version}`;
      expect((await pub(version, TOKEN, retainedTopic, '{"home":1}', ['-r', '-q', '1'])).code).toBe(0);
      const late = await sub(version, undefined, [retainedTopic], 1);
      expect((await late.done).messages).toMatchObject([{ topic: retainedTopic, retained: true, payload: '{"home":1}' }]);

      // Anonymous on '#' and 'streams/+/data/#': the private stream's message (sent first) is not forwarded.
      const anonymous = await sub(version, undefined, ['#', 'streams/+/data/#'], 1, 3, ['-R']);
      const wildcard = `wild-${version}`;
      expect((await pub(version, TOKEN, `streams/secret/data/${wildcard}`, '"private"')).code).toBe(0);
      expect((await pub(version, TOKEN, `streams/${stream}/data/${wildcard}`, '"public"')).code).toBe(0);
      const { messages } = await anonymous.done;
      expect(messages.map((m) => m.payload)).toEqual(['"public"']);
    });

    it('refuses a wrong password, a key on another stream, anonymous publishing, a reserved channel and a private stream to anonymous', async () => {
      const wrong = await pub(version, 'not-a-key', `streams/${stream}/data/x`, '1', ['-q', '1']);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/bad user name or password/i);

      const otherStream = version === 'mqttv5' ? 'show' : 'other';
      const refused = `refused-${version}`;
      for (const [password, topic] of [[key, `streams/${otherStream}/data/${refused}`], [undefined, `streams/${stream}/data/${refused}`], [key, `streams/${stream}/data/${RESERVED_CHANNELS[0]}`]] as const) {
        const result = await pub(version, password, topic, '1', ['-q', '1']);
        expect(result.code, `${topic} with ${password ?? 'no password'}`).not.toBe(0);
      }
      expect([...kept(stream, refused), ...kept(version === 'mqttv5' ? 'show' : 'other', refused), ...kept(stream, 'chat')]).toEqual([]);

      const privateSub = await sub(version, undefined, [`streams/secret/data/${refused}`], 1, 2);
      expect((await privateSub.done).output).toMatch(/denied/i);
    });

    it('bridges the hub both ways without echo: an MQTT publish once, then an HTTP message with its seq and times', async () => {
      const bridged = `bridge-${version}`;
      const topic = `streams/${stream}/data/${bridged}`;
      const subscriber = await sub(version, TOKEN, [topic], 2, 5, ['-q', '1']);
      expect((await pub(version, key, topic, 'plain text')).code).toBe(0);
      await waitFor('the MQTT message in the hub', () => kept(stream, bridged).length === 1, 3000, 20);
      hub.publish({ stream, channel: bridged, contentType: 'application/json', data: { from: 'http' }, mediaTime: 1234, source: { kind: 'api', transport: 'http', remoteAddress: null } });
      const { messages } = await subscriber.done;
      expect(messages.map((m) => m.payload)).toEqual(['plain text', '{"from":"http"}']);
      expect(kept(stream, bridged).map((m) => m.data)).toEqual(['plain text', { from: 'http' }]);
      if (version === 'mqttv5') {
        expect(messages[1]!.props).toContain('seq:2');
        expect(messages[1]!.props).toContain('mediaTime:1234');
        expect(messages[1]!.props).toContain(`programDateTime:${1_700_000_000_000 + 1234}`);
      }
    });

    it('decodes a MessagePack payload and closes a connection whose packet is over mqtt.maxPacketKilobytes', async () => {
      const binary = `binary-${version}`;
      const topic = `streams/${stream}/data/${binary}`;
      expect((await pub(version, key, topic, Buffer.from(encodeMsgpack({ poll: 'a', n: 2 })))).code).toBe(0);
      await waitFor('the MessagePack message', () => kept(stream, binary).length === 1, 3000, 20);
      expect(kept(stream, binary)[0]).toMatchObject({ contentType: 'application/msgpack', data: { poll: 'a', n: 2 } });

      const before = server.counters().oversized;
      const big = await pub(version, key, topic, 'x'.repeat(MAX_PACKET_KB * 1024 + 1), ['-q', '1']);
      if (version === 'mqttv311') {
        expect(big.code).not.toBe(0);
        expect(server.counters().oversized).toBe(before + 1);
      } else {
        // A v5 client honours the maximum packet size in our CONNACK: it never sends the packet.
        expect(server.counters().oversized).toBe(before);
      }
      expect(kept(stream, binary)).toHaveLength(1);
    });
  });

  it('announces its limits to an MQTT 5 client, refuses enhanced authentication, ends an oversized packet with DISCONNECT 0x95', async () => {
    const client = await rawClient(5, '');
    expect(client.packets[0]).toMatchObject({
      cmd: 'connack', reasonCode: 0,
      properties: { maximumPacketSize: MAX_PACKET_KB * 1024, topicAliasMaximum: 0, assignedClientIdentifier: expect.stringMatching(/^aedes_/) },
    });
    // Enhanced authentication is not offered: refused with 0x8C (bad authentication method).
    const enhanced = await rawClient(5, 'raw-auth', undefined, { authenticationMethod: 'SCRAM-SHA-1' });
    expect(enhanced.packets[0]).toMatchObject({ cmd: 'connack', reasonCode: 0x8c });
    await waitFor('the refused connection closed', () => enhanced.socket.destroyed || enhanced.socket.readableEnded, 3000, 10);
    const closed = once(client.socket, 'close');
    // Only the header of a 1 MiB PUBLISH: the broker must refuse it before the body.
    client.socket.write(Buffer.from([0x30, 0x80, 0x80, 0x40]));
    await closed;
    expect(client.packets[1]).toMatchObject({ cmd: 'disconnect', reasonCode: 0x95 });
  });

  it('drops QoS 0 messages for a subscriber that stops reading; the others get every message on time', async () => {
    const topic = 'streams/show/data/flood';
    const frozen = await rawClient(4, 'frozen', topic);
    frozen.socket.pause();
    const fast = await rawClient(5, 'fast', topic);
    const data = 'x'.repeat(16 * 1024);
    const total = 1000; // 16 MB: more than the frozen socket's kernel buffers hold
    const started = Date.now();
    for (let i = 0; i < total; i++) hub.publish({ stream: 'show', channel: 'flood', contentType: 'application/json', data, source: { kind: 'api', transport: 'http', remoteAddress: null } });
    // aedes cuts a stalled client off after drainTimeoutMs (10 s): all must arrive well before.
    await waitFor('every message at the reading subscriber', () => fast.packets.filter((p) => p.cmd === 'publish').length === total, 6000, 20);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(server.counters().dropped).toBeGreaterThan(0);
    frozen.socket.destroy();
    fast.socket.destroy();
  });

  it('makes the broker with its first client (a host nobody reaches over MQTT never loads aedes); a stop while it is made leaves nothing', async () => {
    const make = async () => {
      const p = await freePort();
      const s = new MqttServer({ hub, authenticate: (pw) => (pw === TOKEN ? { kind: 'api' } : null), streams: { get: (name) => STREAMS[name] }, config: () => ({ port: p, bind: '127.0.0.1', maxPacketKilobytes: MAX_PACKET_KB }), logger: silentLogger() });
      await s.start();
      return { s, p };
    };
    const brokerOf = (s: MqttServer) => (s as unknown as { broker?: object }).broker;
    const { s: lazy, p: lazyPort } = await make();
    try {
      expect(lazy.state).toMatchObject({ status: 'listening', port: lazyPort });
      expect(brokerOf(lazy)).toBeUndefined();
      // The CONNECT sent at once waits in the socket while the broker is made, then is answered.
      const socket = net.connect(lazyPort, '127.0.0.1');
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const packets: mqttPacket.Packet[] = [];
      parser.on('packet', (packet: mqttPacket.Packet) => packets.push(packet));
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      await once(socket, 'connect');
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolVersion: 4, clientId: 'first', clean: true, keepalive: 30, username: 'x', password: Buffer.from(TOKEN) }));
      await waitFor('the CONNACK', () => packets.some((p) => p.cmd === 'connack'), 5000, 10);
      expect(packets.find((p) => p.cmd === 'connack')).toMatchObject({ returnCode: 0 });
      expect(brokerOf(lazy)).toBeDefined();
      expect(lazy.counters().clients).toBe(1);
      socket.destroy();
    } finally {
      await lazy.dispose();
    }
    const { s: stopped, p: stoppedPort } = await make();
    const early = net.connect(stoppedPort, '127.0.0.1');
    early.on('error', () => {});
    await once(early, 'connect');
    early.write(mqttPacket.generate({ cmd: 'pingreq' }));
    await stopped.dispose();
    expect(stopped.state).toEqual({ status: 'stopped' });
    expect(brokerOf(stopped)).toBeUndefined();
    await waitFor('the held socket closed', () => early.destroyed || early.readyState === 'closed', 3000, 10);
  });

  it('reports a port in use without failing the host', async () => {
    const second = new MqttServer({
      hub,
      authenticate: () => null,
      streams: { get: () => undefined },
      config: () => ({ port, bind: '127.0.0.1', maxPacketKilobytes: MAX_PACKET_KB }),
      logger: silentLogger(),
    });
    await second.start();
    expect(second.state).toMatchObject({ status: 'port-in-use', port });
    await second.dispose();
    // The first broker still answers.
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.destroy();
  });
});
