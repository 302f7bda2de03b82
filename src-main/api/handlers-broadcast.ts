import type { BroadcastService } from '../capture/broadcast-service.js';
import type { DisplayService } from '../displays/display-service.js';
import type { Handlers } from './dispatch.js';

type BroadcastMethod = 'displays.windows' | 'broadcasts.list' | 'broadcasts.create' | 'broadcasts.delete';

export interface BroadcastHandlerDeps {
  displays: Pick<DisplayService, 'windows'>;
  broadcasts: Pick<BroadcastService, 'list' | 'create' | 'delete'>;
}

/** Handlers of display broadcasts (a display published as a live stream) and the windows they can capture. */
export function broadcastHandlers(deps: BroadcastHandlerDeps): Pick<Handlers, BroadcastMethod> {
  return {
    'displays.windows': ({ id }) => deps.displays.windows(id),
    'broadcasts.list': () => deps.broadcasts.list(),
    'broadcasts.create': (input) => deps.broadcasts.create(input),
    'broadcasts.delete': async ({ id }) => {
      await deps.broadcasts.delete(id);
      return { id, deleted: true as const };
    },
  };
}
