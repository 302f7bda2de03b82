import type { DisplayService } from '../displays/display-service.js';
import type { RdpAccessService } from '../remote/rdp-access.js';
import type { RdpGatewayService } from '../remote/rdp-gateway.js';
import type { RemoteService } from '../remote/remote-service.js';
import { actorOf } from '../auth/types.js';
import type { Handlers } from './dispatch.js';

type RemoteMethod = 'displays.list' | 'displays.create' | 'displays.delete' | 'remote.sessions.list' | 'remote.sessions.create' | 'remote.sessions.end' | 'remote.rdp.list' | 'remote.rdp.open' | 'remote.rdp.close'
  | 'remote.gateways.list' | 'remote.gateways.open' | 'remote.gateways.close';

export interface RemoteHandlerDeps {
  displays: Pick<DisplayService, 'list' | 'create' | 'delete'>;
  remote: Pick<RemoteService, 'list' | 'create' | 'end'>;
  rdp: Pick<RdpAccessService, 'list' | 'open' | 'close'>;
  gateways: Pick<RdpGatewayService, 'list' | 'open' | 'close'>;
}

/** Handlers of the remote-desktop methods (displays, sessions, RDP accesses and gateways). */
export function remoteHandlers(deps: RemoteHandlerDeps): Pick<Handlers, RemoteMethod> {
  return {
    'displays.list': () => deps.displays.list(),
    'displays.create': (input) => deps.displays.create(input),
    'displays.delete': async ({ id }) => {
      await deps.displays.delete(id);
      return { id, deleted: true as const };
    },
    'remote.sessions.list': () => deps.remote.list(),
    'remote.sessions.create': ({ displayId, permission }) => deps.remote.create(displayId, permission),
    'remote.sessions.end': ({ id }) => {
      deps.remote.end(id);
      return { id, ended: true as const };
    },
    'remote.rdp.list': () => deps.rdp.list(),
    // The RDP user is named after the studio user who opened the access (the API token's owner).
    'remote.rdp.open': ({ displayId, minutes }, ctx) =>
      deps.rdp.open(displayId, { minutes, openedBy: actorOf(ctx.principal), userName: ctx.principal?.userName ?? '' }),
    'remote.rdp.close': async ({ displayId }) => {
      await deps.rdp.close(displayId);
      return { displayId, closed: true as const };
    },
    'remote.gateways.list': () => deps.gateways.list(),
    'remote.gateways.open': (input, ctx) => deps.gateways.open(input, actorOf(ctx.principal)),
    'remote.gateways.close': async ({ id }) => {
      await deps.gateways.close(id);
      return { id, closed: true as const };
    },
  };
}
