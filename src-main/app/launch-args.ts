import { parseArgs } from 'node:util';
import { StudioError } from '../core/errors.js';

export interface LaunchArgs {
  home?: string;
  port?: number;
  bind?: string;
  /** Tray only at start: no window until the creator asks for one. */
  headless: boolean;
}

/**
 * Reads our options from Electron's argv. Chromium and Playwright add switches of their own
 * (`--inspect=0`, `--no-sandbox`, the app path), so unknown ones are ignored rather than refused.
 */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      headless: { type: 'boolean' },
    },
    strict: false,
    allowPositionals: true,
  });
  const text = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
  const port = text(values.port);
  if (port !== undefined && !/^\d+$/.test(port)) {
    throw new StudioError('CONFIG_INVALID', `--port: expected a port number, got "${port}"`, { field: '--port' });
  }
  const args: LaunchArgs = { headless: values.headless === true };
  const home = text(values.home);
  const bind = text(values.bind);
  if (home !== undefined) args.home = home;
  if (port !== undefined) args.port = Number(port);
  if (bind !== undefined) args.bind = bind;
  return args;
}
