import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-size.js';

const publish = (bytes: number): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic: 'streams/show/data/a', payload: Buffer.alloc(bytes, 0x61), qos: 0, retain: false, dup: false });

describe('PacketSizeGuard', () => {
  it('passes packets up to the limit, split anywhere, and names the first one over it', () => {
    const small = publish(100);
    const exact = publish(1000 - 1 - 2 - 2 - 'streams/show/data/a'.length);
    expect(exact.length).toBe(1000);
    const stream = Buffer.concat([small, exact, mqttPacket.generate({ cmd: 'pingreq' }), small]);
    for (const step of [1, 3, 7, stream.length]) {
      const guard = new PacketSizeGuard(1000);
      for (let i = 0; i < stream.length; i += step) expect(guard.push(stream.subarray(i, i + step))).toBe(0);
    }
    const guard = new PacketSizeGuard(1000);
    expect(guard.push(small)).toBe(0);
    const big = publish(2000);
    // Refused from the header alone (fixed header + 2-byte length), before any body byte.
    expect(guard.push(big.subarray(0, 3))).toBe(big.length);
  });

  it('refuses a remaining length longer than four bytes', () => {
    expect(new PacketSizeGuard(1 << 30).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(-1);
  });
});
