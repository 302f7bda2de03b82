import { describe, expect, it } from 'vitest';
import { ChildRegistry } from '../core/children.js';
import { createLogger } from '../core/logger.js';
import { parseProfilerScreens } from './backend.darwin.js';
import { parseScreens } from './backend.win32.js';
import { DisplayService, displayBackendFor, displayIdOf } from './display-service.js';
import { xvfbArgs } from './xvfb.linux.js';

describe('displays', () => {
  it('names display ids after the X display', () => {
    expect(displayIdOf(':5', true)).toBe('vd-5');
    expect(displayIdOf(':0', false)).toBe('x11-0');
    expect(displayIdOf('localhost:10.0', false)).toBe('x11-localhost-10-0');
    expect(displayIdOf('\\\\.\\DISPLAY2', false, 'win32')).toBe('screen-DISPLAY2');
    expect(displayIdOf('wayland-0/Meta-0', false, 'linux', 'wayland')).toBe('wl-wayland-0-Meta-0');
  });

  it('reads the screens of Windows from the PowerShell query (fixture: Windows APIs cannot run here)', () => {
    const output = '\\\\.\\DISPLAY1|0|0|2560|1440|True\r\n\\\\.\\DISPLAY2|-1920|0|1920|1080|False\r\nWARNING: noise\r\n';
    expect(parseScreens(output)).toEqual([
      { name: '\\\\.\\DISPLAY1', width: 2560, height: 1440, refreshHz: 60, virtual: false, state: 'running', kind: 'screen' },
      { name: '\\\\.\\DISPLAY2', width: 1920, height: 1080, refreshHz: 60, virtual: false, state: 'running', kind: 'screen' },
    ]);
  });

  it('reads the screens of macOS from system_profiler, named as avfoundation names them (fixture: cannot run here)', () => {
    const json = JSON.stringify({
      SPDisplaysDataType: [
        { sppci_model: 'Apple M2', spdisplays_ndrvs: [
          { _name: 'Color LCD', _spdisplays_pixels: '3024 x 1964', _spdisplays_resolution: '1512 x 982 @ 120.00Hz' },
          { _name: 'LG', _spdisplays_resolution: '3840 x 2160 @ 60.00Hz' },
        ] },
      ],
    });
    expect(parseProfilerScreens(json)).toEqual([
      { name: 'Capture screen 0', width: 3024, height: 1964, refreshHz: 120, virtual: false, state: 'running', kind: 'screen' },
      { name: 'Capture screen 1', width: 3840, height: 2160, refreshHz: 60, virtual: false, state: 'running', kind: 'screen' },
    ]);
    expect(parseProfilerScreens('not json')).toEqual([]);
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
