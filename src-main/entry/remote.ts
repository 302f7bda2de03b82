import path from 'node:path';
import type { StudioConfig } from '../../src-shared/config.js';
import type { AdmissionRequest, AdmissionResult, AuditPort } from '../auth/types.js';
import { pickCaptureEncoder } from '../encoder/encoders.js';
import { captureArgsFor } from '../capture/index.js';
import type { ChildRegistry } from '../core/children.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { DisplayService, displayBackendFor } from '../displays/display-service.js';
import { WaylandDesktops } from '../displays/wayland.linux.js';
import type { FfmpegService } from '../encoder/service.js';
import type { HttpPlugin } from '../http/plugin.js';
import { clipboardFor } from '../remote/clipboard.js';
import { HostSound } from '../remote/host-sound.js';
import { InputInjector } from '../remote/input-injector.js';
import { RdpAccessService } from '../remote/rdp-access.js';
import { RdpGatewayService } from '../remote/rdp-gateway.js';
import { RemoteService } from '../remote/remote-service.js';
import { remoteRoutes } from '../remote/routes.js';
import { iceOptionsOf } from '../protocols/webrtc/ice-options.js';

export interface Remote {
  displays: DisplayService;
  /** The monitors of the Wayland desktop the host runs in (Linux), shared with display broadcasts. */
  wayland: WaylandDesktops | undefined;
  /** The host session's sound, shared with display broadcasts. */
  sound: HostSound;
  remote: RemoteService;
  /** RDP clients into the host's X displays (FreeRDP's shadow server). */
  rdp: RdpAccessService;
  /** Browser viewers into RDP servers elsewhere (xfreerdp in a virtual display). */
  gateways: RdpGatewayService;
  services: Service[];
  plugins: HttpPlugin[];
}

/** Wires virtual displays, capture and remote-desktop sessions (part of the studio composition root). */
export function wireRemote(deps: {
  config: () => StudioConfig;
  children: ChildRegistry;
  ffmpeg: Pick<FfmpegService, 'info' | 'path' | 'caps'>;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Remote-view JWTs (auth/admission.ts). */
  admit?: (request: AdmissionRequest) => Promise<AdmissionResult>;
  audit?: Pick<AuditPort, 'record'>;
  /** The host's folder for RDP accesses (SAM files, the RDP server's certificate) and the gateway's pins. */
  rdpHome: string;
}): Remote {
  const logger = deps.logger.child({ service: 'remote' });
  // The Wayland desktop the host runs in (its monitors through PipeWire), on Linux.
  const wayland = process.platform === 'linux' ? new WaylandDesktops({ env: deps.env, logger }) : undefined;
  const displays = new DisplayService(displayBackendFor(process.platform, { children: deps.children, logger, env: deps.env, ...(wayland ? { wayland } : {}) }));
  const captureArgs = captureArgsFor(process.platform);
  // The input agent is this same program (`streams input-agent`), one per display.
  const injector = new InputInjector({
    children: deps.children,
    launcher: { command: process.execPath, args: process.argv[1] ? [process.argv[1]] : [] },
    env: deps.env,
    logger,
  });
  const ffmpegPath = (): Promise<string> => deps.ffmpeg.path();
  const sound = new HostSound({
    children: deps.children,
    ffmpegPath,
    ffmpegHasPulse: async () => (await deps.ffmpeg.caps()).has('pulse'),
    settings: () => deps.config().remote, env: deps.env, platform: process.platform, logger });
  const remote = new RemoteService({
    displays,
    children: deps.children,
    injector,
    ffmpegPath,
    captureArgs,
    encoder: async () => pickCaptureEncoder((await deps.ffmpeg.info()).encoders),
    caps: () => deps.ffmpeg.caps(),
    ice: () => iceOptionsOf(deps.config().webrtc),
    settings: () => deps.config().remote,
    sound,
    clipboard: clipboardFor(process.platform),
    ...(wayland ? { wayland } : {}),
    logger,
    audit: deps.audit,
  });
  const rdp = new RdpAccessService({
    displays,
    children: deps.children,
    home: deps.rdpHome,
    bindAddress: () => deps.config().remote.rdpBindAddress,
    env: deps.env,
    audit: deps.audit,
    logger: logger.child({ part: 'rdp' }),
  });
  const gateways = new RdpGatewayService({
    displays,
    remote,
    children: deps.children,
    home: path.join(deps.rdpHome, 'gateway'),
    env: deps.env,
    audit: deps.audit,
    logger: logger.child({ part: 'rdp-gateway' }),
  });
  // Gateways, RDP accesses and sessions end before the sound feed and the displays go away.
  return { displays, wayland, sound, remote, rdp, gateways, services: [displays, sound, remote, rdp, gateways], plugins: [remoteRoutes({ remote, logger, ...(deps.admit ? { admit: deps.admit } : {}) })] };
}
