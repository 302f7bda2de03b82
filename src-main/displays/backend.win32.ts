import type { Display } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DisplayBackend, VirtualDisplay } from './types.js';
import type { ChildRegistry } from '../core/children.js';

const QUERY_TIMEOUT_MS = 10_000;

/**
 * The screens as physical pixels: the query makes PowerShell per-monitor DPI aware first (otherwise
 * Windows reports scaled sizes, and ddagrab captures physical ones), then prints one line per screen:
 * `\\.\DISPLAY1|x|y|width|height|primary`.
 */
export const SCREENS_QUERY = [
  "Add-Type -Namespace Studio -Name Dpi -MemberDefinition '[DllImport(\"user32.dll\")] public static extern bool SetProcessDpiAwarenessContext(System.IntPtr value);'",
  '[void][Studio.Dpi]::SetProcessDpiAwarenessContext([System.IntPtr]::new(-4))',
  'Add-Type -AssemblyName System.Windows.Forms',
  "[System.Windows.Forms.Screen]::AllScreens | ForEach-Object { '{0}|{1}|{2}|{3}|{4}|{5}' -f $_.DeviceName,$_.Bounds.X,$_.Bounds.Y,$_.Bounds.Width,$_.Bounds.Height,$_.Primary }",
].join('; ');

/** Parses the query's lines; lines that do not fit are skipped. */
export function parseScreens(output: string): Omit<Display, 'id'>[] {
  return output.split(/\r?\n/).flatMap((line) => {
    const m = /^(\\\\\.\\DISPLAY\d+)\|-?\d+\|-?\d+\|(\d+)\|(\d+)\|(True|False)\s*$/.exec(line.trim());
    return m ? [{ name: m[1]!, width: Number(m[2]), height: Number(m[3]), refreshHz: 60, virtual: false, state: 'running' as const, kind: 'screen' as const }] : [];
  });
}

/**
 * Windows: the screens (captured with ffmpeg ddagrab, see capture/args.win32.ts). Virtual displays
 * would come from an indirect display driver (IDD) adapter, which must be installed and signed as a
 * driver; this build ships none and no Windows machine runs its tests, so creating one refuses with
 * NOT_IMPLEMENTED_ON_OS instead of pretending, and so does the window list.
 */
export class WindowsDisplayBackend implements DisplayBackend {
  readonly os = 'win32' as const;

  constructor(private readonly deps: { children: Pick<ChildRegistry, 'run'>; logger: Logger; env: NodeJS.ProcessEnv }) {}

  async listPhysical(): Promise<Omit<Display, 'id'>[]> {
    try {
      const r = await this.deps.children.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', SCREENS_QUERY], { env: this.deps.env, timeoutMs: QUERY_TIMEOUT_MS });
      if (r.code === 0 && !r.timedOut) return parseScreens(r.stdout);
      this.deps.logger.warn({ code: r.code, timedOut: r.timedOut, stderr: r.stderr.slice(-500) }, 'listing the screens failed');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'listing the screens failed');
    }
    return [];
  }

  createVirtual(): Promise<VirtualDisplay> {
    return Promise.reject(
      new StudioError('NOT_IMPLEMENTED_ON_OS', 'virtual displays on Windows need the indirect display driver adapter, which this build does not ship yet (unsupported on this OS)'),
    );
  }

  listWindows(): Promise<never[]> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'window listing on Windows is unsupported on this OS build'));
  }
}
