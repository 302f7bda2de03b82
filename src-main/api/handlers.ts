import type { FfmpegInfo, SystemInfo, SystemStats } from '../../src-shared/contract/index.js';
import type { ConfigStore } from '../conf/config-store.js';
import type { AuthService } from './auth.js';
import type { Handlers } from './dispatch.js';

/** The small slices of services the handlers need; the composition root passes the real ones. */
export interface HandlerDeps {
  systemInfo(): SystemInfo;
  stats: { latest(): SystemStats | null | undefined };
  ffmpeg: { info(): Promise<FfmpegInfo>; reprobe(): Promise<FfmpegInfo> };
  config: ConfigStore;
  auth: AuthService;
  /** The URL a browser opens to redeem a login code. */
  loginUrl(code: string): string;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'system.info': () => deps.systemInfo(),
    'system.stats': () => deps.stats.latest() ?? null,
    'system.ffmpeg': () => deps.ffmpeg.info(),
    'system.probeFfmpeg': () => deps.ffmpeg.reprobe(),
    'config.get': () => deps.config.view(),
    'config.update': (patch) => {
      deps.config.update(patch);
      return deps.config.view();
    },
    'auth.createLoginLink': () => {
      const { code, expiresAt } = deps.auth.issueLoginCode();
      return { url: deps.loginUrl(code), expiresAt };
    },
  };
}
