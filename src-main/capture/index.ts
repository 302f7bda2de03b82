import { captureArgsDarwin } from './args.darwin.js';
import { captureArgsLinux } from './args.linux.js';
import { captureArgsWin32 } from './args.win32.js';
import type { CaptureArgsBuilder } from './types.js';

/** The one place that picks the capture of this operating system. */
export function captureArgsFor(platform: NodeJS.Platform): CaptureArgsBuilder {
  if (platform === 'win32') return captureArgsWin32;
  if (platform === 'darwin') return captureArgsDarwin;
  return captureArgsLinux;
}

export type { CaptureOptions, CaptureTarget } from './types.js';
