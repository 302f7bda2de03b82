// Builds `window.studio` and nothing else: the page never sees ipcRenderer, only the contract's
// method names, one invoke and one event subscription (see src-shared/contract/transport.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isMethodName, METHOD_NAMES } from '../src-shared/contract/methods.js';
import {
  IPC_EVENT_CHANNEL,
  IPC_INVOKE_CHANNEL,
  type CallResult,
  type StudioBridge,
} from '../src-shared/contract/transport.js';
import type { EventEnvelope } from '../src-shared/contract/events.js';

type Listener = (envelope: EventEnvelope) => void;
const listeners = new Set<Listener>();

/** One IPC listener, attached while the page has subscribers; the IpcRendererEvent never reaches the page. */
function relay(_event: IpcRendererEvent, envelope: EventEnvelope): void {
  for (const listener of [...listeners]) {
    try {
      listener(envelope);
    } catch (error) {
      console.error('studio event listener failed', error);
    }
  }
}

const bridge: StudioBridge = {
  methods: Object.freeze([...METHOD_NAMES]),

  invoke(method, input): Promise<CallResult<unknown>> {
    if (!isMethodName(method)) {
      return Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: `unknown method "${String(method)}"` } });
    }
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, input) as Promise<CallResult<unknown>>;
  },

  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('studio.onEvent needs a function');
    if (listeners.size === 0) ipcRenderer.on(IPC_EVENT_CHANNEL, relay);
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener)) return;
      if (listeners.size === 0) ipcRenderer.removeListener(IPC_EVENT_CHANNEL, relay);
    };
  },
};

contextBridge.exposeInMainWorld('studio', bridge);
