import type { FastifyRequest } from 'fastify';
import type { StudioConfig } from '../../src-shared/config.js';
import { scopeCovers, SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { AuthService } from '../api/auth.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import type { JwtService } from '../auth/jwt.js';
import { GuestService, guestPath, returnPath } from '../guests/guest-service.js';
import type { PathManager } from '../media/path-manager.js';
import { guestRoutes } from '../guests/routes.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { StreamService } from '../media/stream-service.js';
import type { WebRtcServer } from '../servers/webrtc/server.js';
import type { Db } from '../store/db.js';
import type { SceneService } from '../studio/scene-service.js';
import { GuestStore } from '../store/guests.js';
import { GuestTakeStore } from '../store/guest-takes.js';
import { GuestTakes } from '../guests/takes.js';
import type { RecordingService } from '../recorder/recording-service.js';
import type { Library } from './library.js';
import type { MediaClock } from '../media/media-clock.js';

/** Wires a show's guests: the service on SQLite and the host's JWTs, their routes on the WebRTC server. */
export function wireGuests(deps: {
  db: Db;
  bus: EventBus;
  jwt: Pick<JwtService, 'issue' | 'verify'>;
  streams: Pick<StreamService, 'lookup'>;
  webrtc: WebRtcServer;
  auth: Pick<AuthService, 'authenticate'>;
  rendererDir: string;
  logger: Logger;
  scenes: Pick<SceneService, 'applyGuest'>;
  paths: Pick<PathManager, 'publisherOf'>;
  config: () => StudioConfig;
  library: Pick<Library, 'library' | 'uploads'>;
  recordings: Pick<RecordingService, 'list' | 'fileOf'>;
  clock: Pick<MediaClock, 'lateBy'>;
}): { guests: GuestService; takes: GuestTakes; plugins: HttpPlugin[] } {
  const takeStore = new GuestTakeStore(deps.db);
  const guests = new GuestService({
    store: new GuestStore(deps.db),
    bus: deps.bus,
    jwt: deps.jwt,
    streamExists: (name) => deps.streams.lookup(name) !== undefined,
    programLive: (stream) => deps.paths.publisherOf(stream) !== undefined,
    maxOnShow: () => deps.config().guests.max,
    disconnect: (id, reason) => {
      deps.webrtc.closePublisher(guestPath(id), reason);
      deps.webrtc.closePublisher(returnPath(id), reason);
    },
    applyToShow: (id, change) => deps.scenes.applyGuest(id, change),
    takesOf: (id) => takeStore.lastTake(id),
  });
  guests.prune();
  const takes = new GuestTakes({
    store: takeStore,
    guests,
    uploads: () => deps.library.uploads,
    videoOf: (uploadId) => deps.library.library.list({ uploadId })[0],
    programs: (stream) =>
      deps.recordings.list(stream).map((r) => ({
        id: r.id,
        startPdt: deps.recordings.fileOf(r.id, 'file')?.recording.startPdt ?? null,
        durationSec: r.durationSec,
        recording: r.state === 'recording',
      })),
    lateBy: (stream) => deps.clock.lateBy(stream),
  });
  const isProducer = (req: FastifyRequest): boolean => {
    const principal = deps.auth.authenticate(req.headers, SESSION_COOKIE);
    return principal !== undefined && scopeCovers(principal.scopes, 'scenes:write');
  };
  const canRead = (req: FastifyRequest): boolean => {
    const principal = deps.auth.authenticate(req.headers, SESSION_COOKIE);
    return principal !== undefined && scopeCovers(principal.scopes, 'scenes:read') && (principal.streams === null || principal.streams.includes((req.params as { stream?: string }).stream ?? ''));
  };
  const plugins = [guestRoutes({ guests, takes, webrtc: deps.webrtc, isProducer, canRead, rendererDir: deps.rendererDir, logger: deps.logger.child({ service: 'guests' }) })];
  return { guests, takes, plugins };
}
