import { describe, expect, it } from 'vitest';
import { ChildRegistry } from '../core/children.js';
import { createLogger } from '../core/logger.js';
import { DisplayService, displayBackendFor, displayIdOf } from './display-service.js';
import { xvfbArgs } from './xvfb.linux.js';

describe('displays', () => {
  it('names display ids after the X display', () => {
    expect(displayIdOf(':5', true)).toBe('vd-5');
    expect(displayIdOf(':0', false)).toBe('x11-0');
    expect(displayIdOf('localhost:10.0', false)).toBe('x11-localhost-10-0');
  });

  it('lets Xvfb choose a free display number, and keeps the number on restart', () => {
    expect(xvfbArgs({ width: 1280, height: 720, refreshHz: 30 })).toEqual([
      '-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp', '-noreset', '-dpi', '96',
    ]);
    expect(xvfbArgs({ width: 640, height: 360, refreshHz: 30 }, 7)[0]).toBe(':7');
  });

  it('refuses virtual displays on Windows and macOS with NOT_IMPLEMENTED_ON_OS (mocked OS: they cannot run here)', async () => {
    const deps = { children: new ChildRegistry(), logger: createLogger({ level: 'silent' }), env: {} };
    for (const os of ['win32', 'darwin'] as const) {
      const service = new DisplayService(displayBackendFor(os, deps));
      await expect(service.create({ width: 640, height: 360 })).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED_ON_OS' });
      expect(await service.list()).toEqual([]);
      await expect(displayBackendFor(os, deps).listWindows(':0')).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED_ON_OS' });
    }
  });
});
