import { describe, expect, it } from 'vitest';
import type { BridgeDefinition } from '../../../src-shared/contract/index.js';
import { bridgeOfForm, EMPTY_BRIDGE_FORM, formErrorsOf, lagText, nextBridgeId, routeOf, stateText } from './bridges-model.js';

const out: BridgeDefinition = { id: 'nats-out', engine: 'nats', direction: 'out', channel: '*' };

describe('bridges model', () => {
  it('makes a definition from the form with a free id; in-bridges carry their source and start', () => {
    expect(bridgeOfForm([], EMPTY_BRIDGE_FORM)).toEqual({ bridge: { id: 'nats-out', engine: 'nats', direction: 'out', channel: '*' } });
    expect(bridgeOfForm([out], { ...EMPTY_BRIDGE_FORM, channel: ' score ' })).toEqual({ bridge: { id: 'nats-out-2', engine: 'nats', direction: 'out', channel: 'score' } });
    expect(bridgeOfForm([], { engine: 'redis', direction: 'in', channel: 'events', source: 'ext:events', fromSeq: '0' })).toEqual({
      bridge: { id: 'redis-in', engine: 'redis', direction: 'in', channel: 'events', source: 'ext:events', fromSeq: 0 },
    });
    expect(nextBridgeId([out, { ...out, id: 'nats-out-2' }], out)).toBe('nats-out-3');
  });

  it('says what is missing, by field, before asking the host', () => {
    expect(bridgeOfForm([], { engine: 'nats', direction: 'in', channel: '*', source: ' ', fromSeq: 'x' })).toEqual({
      errors: { channel: 'an in-bridge writes to one channel: name it', source: 'required: the NATS subject to read', fromSeq: 'a whole number, or empty for new messages only' },
    });
    expect(bridgeOfForm([], { ...EMPTY_BRIDGE_FORM, channel: '' })).toEqual({ errors: { channel: 'required: a channel, or * for every channel' } });
  });

  it("takes the host's errors of the new bridge only", () => {
    expect(formErrorsOf([{ path: 'bridges.0.id', message: 'a' }, { path: 'bridges.2.channel', message: 'b' }], 2)).toEqual({ channel: 'b' });
  });

  it('describes routes, lag and state for people', () => {
    expect(routeOf(out, 'show')).toBe('every channel → NATS JetStream streams.show.>');
    expect(routeOf({ id: 'r', engine: 'redis', direction: 'out', channel: 'score' }, 'show')).toBe('score → Redis Streams streams:show:score');
    expect(routeOf({ id: 'i', engine: 'nats', direction: 'in', channel: 'sensors', source: 'sensors.temp' }, 'show')).toBe('NATS JetStream sensors.temp → sensors');
    expect([0, 850, 12_400, 180_000].map(lagText)).toEqual(['—', '850 ms', '12 s', '3 min']);
    expect(stateText(undefined, 'nats')).toBe('…');
    expect(stateText({ id: 'a', state: 'off', sent: 0, received: 0, buffered: 0, dropped: 0, errors: 0, lastError: null, lagMs: 0 }, 'redis')).toBe('off: set bridges.redisUrl in Settings');
  });
});
