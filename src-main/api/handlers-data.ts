import { StudioError } from '../core/errors.js';
import type { BridgesPort, ChatCaller, ChatPort, DataAccessPort, DataHubPort, ProcessorsPort, SchemasPort, StreamClockPort, WindowsPort } from '../data/types.js';
import type { CallContext, Handlers } from './dispatch.js';

type DataMethod =
  | 'data.channels'
  | 'data.messages'
  | 'data.windows'
  | 'data.setWindows'
  | 'data.bridges'
  | 'data.setBridges'
  | 'data.processors'
  | 'data.setProcessors'
  | 'data.schemas'
  | 'data.setSchemas'
  | 'chat.join'
  | 'chat.send'
  | 'chat.list'
  | 'chat.delete'
  | 'chat.ban'
  | 'chat.unban'
  | 'chat.bans'
  | 'chat.settings'
  | 'chat.updateSettings'
  | 'chat.export';

export interface DataHandlerDeps {
  hub: Pick<DataHubPort, 'messages' | 'stats'>;
  clock: Pick<StreamClockPort, 'view'>;
  access: Pick<DataAccessPort, 'reader'>;
  chat: ChatPort;
  windows: WindowsPort;
  bridges: BridgesPort;
  processors: ProcessorsPort;
  schemas: Pick<SchemasPort, 'definitions' | 'setDefinitions'>;
  /** Throws NOT_FOUND for a stream that does not exist. */
  requireStream(name: string): void;
}

const callerOf = (ctx: CallContext): ChatCaller => ({ studio: ctx.anonymous !== true, remoteAddress: ctx.remoteAddress ?? '' });

/** Handlers of live data channels, chat and windows (the wire protocols are in servers/data and servers/mqtt). */
export function dataHandlers(deps: DataHandlerDeps): Pick<Handlers, DataMethod> {
  return {
    'data.channels': ({ name }) => {
      deps.requireStream(name);
      return { channels: deps.hub.stats(name), clock: deps.clock.view(name) };
    },
    'data.messages': ({ name, channel, afterSeq, fromPdt, toPdt, limit, ...signature }, ctx) => {
      deps.requireStream(name);
      // A public method: an anonymous caller reads what watching the stream allows (a signed URL for a private one).
      if (ctx.anonymous && !deps.access.reader(name, { query: signature, ip: ctx.remoteAddress ?? '' })) {
        throw new StudioError('FORBIDDEN', `stream "${name}" is private: use the signed player URL's exp and sig`);
      }
      const query = {
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        ...(fromPdt !== undefined ? { fromPdt } : {}),
        ...(toPdt !== undefined ? { toPdt } : {}),
        ...(limit !== undefined ? { limit } : {}),
      };
      return { messages: deps.hub.messages(name, channel, query) };
    },
    'data.windows': ({ name }) => {
      deps.requireStream(name);
      return { windows: deps.windows.definitions(name), results: deps.windows.results(name) };
    },
    'data.setWindows': ({ name, windows }) => {
      deps.requireStream(name);
      return { windows: deps.windows.setDefinitions(name, windows) };
    },
    'data.bridges': ({ name }) => {
      deps.requireStream(name);
      return { bridges: deps.bridges.definitions(name), status: deps.bridges.status(name), prefix: deps.bridges.prefix() };
    },
    'data.setBridges': ({ name, bridges }) => {
      deps.requireStream(name);
      return { bridges: deps.bridges.setDefinitions(name, bridges) };
    },
    'data.processors': ({ name }) => {
      deps.requireStream(name);
      return { processors: deps.processors.definitions(name), status: deps.processors.status(name) };
    },
    'data.setProcessors': ({ name, processors }) => {
      deps.requireStream(name);
      return { processors: deps.processors.setDefinitions(name, processors) };
    },
    'data.schemas': ({ name }) => {
      deps.requireStream(name);
      return { schemas: deps.schemas.definitions(name) };
    },
    'data.setSchemas': ({ name, schemas }) => {
      deps.requireStream(name);
      return { schemas: deps.schemas.setDefinitions(name, schemas) };
    },
    'chat.join': (input, ctx) => deps.chat.join(input, callerOf(ctx)),
    'chat.send': (input, ctx) => deps.chat.send(input, callerOf(ctx)),
    'chat.list': (input, ctx) => ({ messages: deps.chat.list(input, callerOf(ctx)) }),
    'chat.delete': ({ room, id }) => ({ deleted: deps.chat.delete(room, id) }),
    'chat.ban': (input) => deps.chat.ban(input),
    'chat.unban': ({ room, viewerId }) => ({ removed: deps.chat.unban(room, viewerId) }),
    'chat.bans': ({ room }) => ({ bans: deps.chat.bans(room) }),
    'chat.settings': ({ room }) => deps.chat.settings(room),
    'chat.updateSettings': ({ room, ...patch }) => deps.chat.updateSettings(room, patch),
    'chat.export': ({ room }) => deps.chat.export(room),
  };
}
