import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { mqttPacket } from './v5.js';
import { sharedPublishBytes } from './writer.js';

const publish = (topic: string, payload: Buffer, extra: Partial<Packet> = {}): Packet =>
  ({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false, ...extra }) as Packet;

describe('sharedPublishBytes', () => {
  it("encodes a QoS 0 message once for every subscriber's copy of its packet, as mqtt-packet would", () => {
    const payload = Buffer.from('{"score":[2,1]}');
    // aedes makes a new packet per subscriber around the same payload Buffer.
    const first = sharedPublishBytes(publish('streams/alpha/data/score', payload));
    const second = sharedPublishBytes(publish('streams/alpha/data/score', payload));
    expect(first).toEqual(mqttPacket().generate(publish('streams/alpha/data/score', payload)));
    expect(second).toBe(first);
    // Another topic, or a retained copy, of the same payload is its own packet.
    const other = sharedPublishBytes(publish('streams/beta/data/score', payload));
    expect(other).toEqual(mqttPacket().generate(publish('streams/beta/data/score', payload)));
    expect(sharedPublishBytes(publish('streams/beta/data/score', payload, { retain: true }))).toEqual(
      mqttPacket().generate(publish('streams/beta/data/score', payload, { retain: true })),
    );
  });

  it('leaves every other packet to mqtt-packet: QoS 1, MQTT 5 properties, not a publish', () => {
    const payload = Buffer.from('x');
    expect(sharedPublishBytes(publish('t', payload, { qos: 1, messageId: 3 } as Partial<Packet>))).toBeUndefined();
    expect(sharedPublishBytes(publish('t', payload, { properties: { contentType: 'text/plain' } } as Partial<Packet>))).toBeUndefined();
    expect(sharedPublishBytes({ cmd: 'pingresp' } as Packet)).toBeUndefined();
  });
});
