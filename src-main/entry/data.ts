import type { Registry } from 'prom-client';
import { RESERVED_CHANNELS, SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { StudioConfig } from '../../src-shared/config.js';
import type { DataHandlerDeps } from '../api/handlers-data.js';
import type { AuthService } from '../api/auth.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { dataAccessFor } from '../data/access.js';
import { BridgeService } from '../data/bridges/service.js';
import { ChatService } from '../data/chat/chat-service.js';
import { ProcessorService } from '../data/processors/service.js';
import { DataHub } from '../data/hub.js';
import { ChannelSchemas } from '../data/schemas.js';
import type { TimedMetadata } from '../data/timed-metadata.js';
import { overlayPlugin } from '../data/overlay/plugin.js';
import { WindowService } from '../data/windows/service.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { MediaClock } from '../media/media-clock.js';
import type { StreamService } from '../media/stream-service.js';
import type { UrlSigner } from '../protocols/signing.js';
import { dataPlugin } from '../servers/data/plugin.js';
import { MqttServer } from '../servers/mqtt/server.js';
import type { Db } from '../store/db.js';
import type { VideoLibrary } from '../vod/library.js';

export interface DataServer {
  hub: DataHub;
  chat: ChatService;
  mqtt: MqttServer;
  handlers: DataHandlerDeps;
  /** Started after the live server (the clock), stopped before it: MQTT first, then the hub's last batch. */
  services: Service[];
  plugins: HttpPlugin[];
}

/**
 * Wires live data (part of the studio composition root): the hub stamped by the live server's media
 * clock, its HTTP/WebSocket/SSE endpoints and the MQTT broker, the timed-metadata tap that writes
 * messages into the media, chat and the windows over the messages.
 */
export function wireData(deps: {
  config: () => StudioConfig;
  db: Db;
  bus: EventBus;
  logger: Logger;
  auth: AuthService;
  streams: StreamService;
  signer: UrlSigner;
  clock: MediaClock;
  timedMetadata: TimedMetadata;
  /** The library (made after this): chat rooms of videos. */
  library: () => VideoLibrary;
  /** The host's Prometheus registry: the windows' counts. */
  metrics: Registry;
}): DataServer {
  const { config, streams } = deps;
  const logger = deps.logger.child({ service: 'data' });
  // Protobuf schemas of channels: the hub refuses what does not fit, the HTTP publish decodes application/x-protobuf.
  const schemas = new ChannelSchemas({ db: deps.db, bus: deps.bus, logger });
  const hub = new DataHub({ db: deps.db, clock: deps.clock, config: () => config().data, logger, schemas });
  const access = dataAccessFor({ auth: deps.auth, streams, signer: deps.signer });
  const streamExists = (name: string): boolean => streams.lookup(name) !== undefined;

  // Messages go into the playlists, MPDs and WebRTC data channels; a VOD replay after a restart reads the store.
  hub.onMessage((message) => deps.timedMetadata.onMessage(message));
  deps.timedMetadata.useHistory((stream, fromPdt, toPdt) =>
    hub
      .stats(stream)
      .filter((c) => !(RESERVED_CHANNELS as readonly string[]).includes(c.channel))
      .flatMap((c) => hub.messages(stream, c.channel, { fromPdt, toPdt, limit: 5000 })),
  );

  const mqtt = new MqttServer({
    hub,
    authenticate: (password) => {
      // An API token that may write data channels (the api-token file, or a user's token with data:write).
      const principal = deps.auth.authenticate({ authorization: `Bearer ${password}` }, SESSION_COOKIE);
      if (principal?.via === 'token' && principal.scopes.includes('data:write') && principal.streams === null) return { kind: 'api' };
      const stream = streams.authorize(password);
      return stream ? { kind: 'key', stream: stream.name } : null;
    },
    streams: { get: (name) => streams.lookup(name) },
    config: () => config().mqtt,
    logger: deps.logger.child({ service: 'mqtt' }),
  });
  hub.addSubscriberCounter((stream, channel) => mqtt.subscribers(stream, channel));
  // A deleted stream's subscribers are let go at once (its channels are gone with it); a stream made
  // private drops its subscribers too, whose access was checked when they joined (they may come back
  // with what watching it needs now: the SDK reconnects).
  const privacy = new Map<string, boolean>();
  deps.bus.on('streams.changed', ({ name, stream }) => {
    if (stream === null) {
      privacy.delete(name);
      hub.closeStream(name);
      return;
    }
    // Not known yet (the first change since start): closing is harmless, subscribers come back re-checked.
    if (stream.private && privacy.get(name) !== true) hub.closeStream(name, 'the stream became private', false);
    privacy.set(name, stream.private);
  });

  const chat = new ChatService({
    db: deps.db,
    bus: deps.bus,
    hub,
    clock: deps.clock,
    access,
    streams: { exists: streamExists },
    videos: {
      exists: (id) => deps.library().readyVideo(id) !== undefined,
      readable: (id, query, ip) => deps.library().readyVideo(id)?.visibility !== 'private' || deps.signer.verify(`vod/${id}`, { ...query }, ip).ok,
    },
    logger: deps.logger.child({ service: 'chat' }),
    studioName: () => config().studio.name,
  });

  // Windows over the messages (counts, reactions, poll results): results on the bus and the `windows` channel.
  const windows = new WindowService({ db: deps.db, bus: deps.bus, hub, metrics: deps.metrics, logger: deps.logger.child({ service: 'windows' }) });

  // Messages out to NATS JetStream and Redis Streams, and in from them (per stream, from Settings' engines).
  const bridges = new BridgeService({ db: deps.db, hub, bus: deps.bus, config: () => config().bridges, logger: deps.logger.child({ service: 'bridges' }) });

  // Pipelines over the channels (filter, map, flatMap, aggregate, join), each publishing to its output channel.
  const processors = new ProcessorService({ db: deps.db, hub, bus: deps.bus, logger: deps.logger.child({ service: 'processors' }) });

  const handlers: DataHandlerDeps = {
    hub,
    clock: deps.clock,
    access,
    chat,
    windows,
    bridges,
    processors,
    schemas,
    requireStream: (name) => {
      if (!streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
    },
  };
  return {
    hub,
    chat,
    mqtt,
    handlers,
    services: [schemas, hub, windows, processors, bridges, mqtt],
    plugins: [dataPlugin({ hub, access, config: () => config().data, logger, streamExists, schemas }), overlayPlugin({ access, streams })],
  };
}
