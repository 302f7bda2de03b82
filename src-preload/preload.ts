// Builds `window.studio` and nothing else: the page never sees ipcRenderer, only the contract's
// method names, one invoke and one event subscription (see src-shared/contract/transport.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isMethodName, METHOD_NAMES } from '../src-shared/contract/methods.js';
import {
  IPC_DISPLAY_CHOICE_CHANNEL,
  IPC_DISPLAY_OFFER_CHANNEL,
  IPC_EVENT_CHANNEL,
  IPC_INVOKE_CHANNEL,
  type CallResult,
  type DesktopBridge,
  type DisplayOffer,
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

/** The screen picker's half of the window: offers from the main process in, the creator's choice out. */
const desktop: DesktopBridge = {
  onDisplayOffer(listener) {
    if (typeof listener !== 'function') throw new TypeError('studioDesktop.onDisplayOffer needs a function');
    const relayOffer = (_event: IpcRendererEvent, offer: DisplayOffer): void => listener(offer);
    ipcRenderer.on(IPC_DISPLAY_OFFER_CHANNEL, relayOffer);
    return () => void ipcRenderer.removeListener(IPC_DISPLAY_OFFER_CHANNEL, relayOffer);
  },
  chooseDisplay(choice) {
    // Only the three fields cross (the main process reads them again).
    ipcRenderer.send(IPC_DISPLAY_CHOICE_CHANNEL, { request: choice?.request, sourceId: choice?.sourceId ?? null, audio: choice?.audio === true });
  },
};

contextBridge.exposeInMainWorld('studio', bridge);
contextBridge.exposeInMainWorld('studioDesktop', desktop);
