import { describe, expect, it, vi } from 'vitest';
import type { EventEnvelope } from '../../src-shared/contract/index.js';
import { EventBus } from './bus.js';

describe('EventBus', () => {
  it('delivers a typed payload to the listeners of that event only', () => {
    const bus = new EventBus();
    const stopping: string[] = [];
    const other = vi.fn();
    bus.on('host.stopping', (payload) => stopping.push(payload.reason));
    bus.on('config.changed', other);
    bus.emit('host.stopping', { reason: 'signal' });
    expect(stopping).toEqual(['signal']);
    expect(other).not.toHaveBeenCalled();
  });

  it('calls listeners in the order they subscribed, each once per emit', () => {
    const bus = new EventBus();
    const order: number[] = [];
    bus.on('host.stopping', () => order.push(1));
    bus.on('host.stopping', () => order.push(2));
    bus.emit('host.stopping', { reason: 'a' });
    bus.emit('host.stopping', { reason: 'b' });
    expect(order).toEqual([1, 2, 1, 2]);
  });

  it('unsubscribes with the returned function', () => {
    const bus = new EventBus();
    const listener = vi.fn();
    const off = bus.on('host.stopping', listener);
    off();
    off();
    bus.emit('host.stopping', { reason: 'x' });
    expect(listener).not.toHaveBeenCalled();
  });

  it('gives onAny listeners every event as an envelope, after the event listeners', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const envelopes: EventEnvelope[] = [];
    bus.onAny((e) => {
      seen.push(`any:${e.event}`);
      envelopes.push(e);
    });
    bus.on('host.stopping', () => seen.push('on'));
    bus.emit('host.stopping', { reason: 'x' });
    expect(seen).toEqual(['on', 'any:host.stopping']);
    expect(envelopes).toEqual([{ event: 'host.stopping', data: { reason: 'x' } }]);
  });

  it('unsubscribes onAny listeners', () => {
    const bus = new EventBus();
    const listener = vi.fn();
    bus.onAny(listener)();
    bus.emit('host.stopping', { reason: 'x' });
    expect(listener).not.toHaveBeenCalled();
  });

  it('remembers the last payload of each event, even with no listener', () => {
    const bus = new EventBus();
    expect(bus.lastOf('host.stopping')).toBeUndefined();
    const first = { reason: 'a' };
    const second = { reason: 'b' };
    bus.emit('host.stopping', first);
    bus.emit('host.stopping', second);
    expect(bus.lastOf('host.stopping')).toBe(second);
    expect(bus.lastOf('config.changed')).toBeUndefined();
  });

  it('keeps delivering when a listener throws, and hands the error to onError', () => {
    const onError = vi.fn();
    const bus = new EventBus(onError);
    const boom = new Error('listener failed');
    const after = vi.fn();
    const any = vi.fn();
    bus.on('host.stopping', () => {
      throw boom;
    });
    bus.on('host.stopping', after);
    bus.onAny(() => {
      throw new Error('any failed');
    });
    bus.onAny(any);
    expect(() => bus.emit('host.stopping', { reason: 'x' })).not.toThrow();
    expect(after).toHaveBeenCalledOnce();
    expect(any).toHaveBeenCalledOnce();
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenNthCalledWith(1, boom, 'host.stopping');
    expect(onError.mock.calls[1]![1]).toBe('host.stopping');
    expect(bus.lastOf('host.stopping')).toEqual({ reason: 'x' });
  });

  it('swallows listener errors by default', () => {
    const bus = new EventBus();
    bus.on('host.stopping', () => {
      throw new Error('x');
    });
    expect(() => bus.emit('host.stopping', { reason: 'x' })).not.toThrow();
  });
});
