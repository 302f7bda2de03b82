import type { StudioConfig } from '../../src-shared/config.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { ObsConnectionStore } from '../obs/connection-store.js';
import { ManagedObs } from '../obs/managed-obs.js';
import { ObsService, type StudioStreams } from '../obs/obs-service.js';
import { newBoxSecret, SecretBox } from '../restream/secret-box.js';
import type { Db } from '../store/db.js';
import { StreamStore } from '../store/streams.js';

/** Wires OBS control (part of the studio composition root): connections, and the managed OBS in host mode. */
export function wireObs(deps: {
  config: () => StudioConfig;
  mode: 'host' | 'desktop';
  home: string;
  db: Db;
  bus: EventBus;
  children: ChildRegistry;
  logger: Logger;
  streams: StudioStreams;
}): { obs: ObsService; services: Service[] } {
  const secrets = new StreamStore(deps.db);
  const obs = new ObsService({
    store: new ObsConnectionStore(deps.db),
    box: new SecretBox(() => secrets.secret('obs-password-key', newBoxSecret)),
    bus: deps.bus,
    logger: deps.logger.child({ service: 'obs' }),
    statsIntervalMs: () => deps.config().obs.statsIntervalMs,
    streams: deps.streams,
  });
  const services: Service[] = [obs];
  if (deps.mode === 'host' && deps.config().obs.managed) {
    services.push(new ManagedObs({ home: deps.home, children: deps.children, obs, logger: deps.logger.child({ service: 'managed-obs' }) }));
  }
  return { obs, services };
}
