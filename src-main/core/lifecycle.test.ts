import { describe, expect, it, vi } from 'vitest';
import { detachOnce, ServiceGroup, type Service } from './lifecycle.js';

function recorder() {
  const log: string[] = [];
  const service = (name: string, opts: { failStart?: boolean; failDispose?: boolean; async?: boolean } = {}): Service => ({
    name,
    start: async () => {
      if (opts.async) await new Promise((r) => setTimeout(r, 5));
      log.push(`start ${name}`);
      if (opts.failStart) throw new Error(`${name} cannot start`);
    },
    dispose: async () => {
      if (opts.async) await new Promise((r) => setTimeout(r, 5));
      log.push(`dispose ${name}`);
      if (opts.failDispose) throw new Error(`${name} cannot stop`);
    },
  });
  return { log, service };
}

describe('ServiceGroup', () => {
  it('starts in order and disposes in reverse order', async () => {
    const { log, service } = recorder();
    const group = new ServiceGroup(() => {});
    await group.start([service('a', { async: true }), service('b'), service('c', { async: true })]);
    await group.dispose();
    expect(log).toEqual(['start a', 'start b', 'start c', 'dispose c', 'dispose b', 'dispose a']);
  });

  it('keeps disposing when one dispose fails, and reports it by name', async () => {
    const { log, service } = recorder();
    const onError = vi.fn();
    const group = new ServiceGroup(onError);
    await group.start([service('a'), service('b', { failDispose: true }), service('c')]);
    await expect(group.dispose()).resolves.toBeUndefined();
    expect(log.filter((l) => l.startsWith('dispose'))).toEqual(['dispose c', 'dispose b', 'dispose a']);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError).toHaveBeenCalledWith('b', expect.objectContaining({ message: 'b cannot stop' }));
  });

  it('handles services without start or dispose, and synchronous ones', async () => {
    const sync = vi.fn();
    const group = new ServiceGroup(() => {});
    await group.start([{ name: 'bare' }, { name: 'sync', dispose: sync }]);
    await group.dispose();
    expect(sync).toHaveBeenCalledOnce();
  });

  it('after a failed start, disposes only the services that did start', async () => {
    const { log, service } = recorder();
    const group = new ServiceGroup(() => {});
    await expect(group.start([service('a'), service('b', { failStart: true }), service('c')])).rejects.toThrow('b cannot start');
    await group.dispose();
    expect(log).toEqual(['start a', 'start b', 'dispose a']);
  });

  it('disposes each service once, even when dispose is called twice', async () => {
    const { log, service } = recorder();
    const group = new ServiceGroup(() => {});
    await group.start([service('a')]);
    await group.dispose();
    await group.dispose();
    expect(log).toEqual(['start a', 'dispose a']);
  });
});

describe('detachOnce', () => {
  it('calls the detach at most once and reports, never throws, its error', () => {
    let calls = 0;
    const holder: { detach: (() => void) | undefined } = { detach: () => calls++ };
    const errors: unknown[] = [];
    detachOnce(holder, (e) => errors.push(e));
    detachOnce(holder, (e) => errors.push(e));
    expect(calls).toBe(1);
    expect(holder.detach).toBeUndefined();
    const failing = { detach: (): void => { throw new Error('gone'); } };
    expect(() => detachOnce(failing, (e) => errors.push(e))).not.toThrow();
    expect(String(errors[0])).toMatch(/gone/);
  });
});
