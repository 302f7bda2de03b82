import { create } from 'zustand';
import type { SystemInfo } from '../../src-shared/contract/index.js';
import { getAtPath } from '../../src-shared/config.js';
import { loginWithCode, logout } from '../api/auth.js';
import {
  call,
  connection,
  onConnection,
  onEvent,
  onUnauthorized,
  startEvents,
  stopEvents,
  toClientError,
  type ConnectionState,
} from '../api/client.js';
import { toastError, toastInfo } from '../ui/toast-store.js';

/** `checking`: first call in flight; `unreachable`: the host did not answer (retrying). */
export type AuthState = 'checking' | 'signed-in' | 'signed-out' | 'unreachable';

interface SessionState {
  auth: AuthState;
  info: SystemInfo | null;
  connection: ConnectionState;
  lastError: string | null;
  bootstrap(): Promise<void>;
  login(codeOrLink: string): Promise<void>;
  signOut(): Promise<void>;
}

const RETRY_UNREACHABLE_MS = 3000;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

export const useSession = create<SessionState>()((set, get) => ({
  auth: 'checking',
  info: null,
  connection: connection(),
  lastError: null,

  async bootstrap() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    try {
      const info = await call('system.info');
      set({ auth: 'signed-in', info, lastError: null });
      document.title = info.name;
      startEvents();
    } catch (err) {
      const { code, message } = toClientError(err);
      if (code === 'UNAUTHORIZED') {
        set({ auth: 'signed-out', lastError: null });
      } else {
        set({ auth: 'unreachable', lastError: message });
        retryTimer = setTimeout(() => void get().bootstrap(), RETRY_UNREACHABLE_MS);
      }
    }
  },

  async login(codeOrLink) {
    await loginWithCode(codeOrLink);
    await get().bootstrap();
  },

  async signOut() {
    try {
      await logout();
    } catch (err) {
      toastError(err);
    }
    stopEvents();
    set({ auth: 'signed-out', info: null });
  },
}));

/** While events are down, ask the host now and then: a lost session shows the login screen. */
const AUTH_CHECK_WHILE_RECONNECTING_MS = 5000;
let authCheck: ReturnType<typeof setInterval> | null = null;

function watchAuthWhileReconnecting(state: ConnectionState): void {
  if (state === 'reconnecting' && !authCheck) {
    authCheck = setInterval(() => void call('system.info').catch(() => undefined), AUTH_CHECK_WHILE_RECONNECTING_MS);
  } else if (state !== 'reconnecting' && authCheck) {
    clearInterval(authCheck);
    authCheck = null;
  }
}

/** Wires transport-level signals into the session; called once at start-up. */
export function connectSession(): void {
  onConnection((state) => {
    useSession.setState({ connection: state });
    watchAuthWhileReconnecting(state);
  });
  onUnauthorized(() => {
    if (useSession.getState().auth === 'signed-out') return;
    stopEvents();
    useSession.setState({ auth: 'signed-out' });
  });
  onEvent('config.changed', ({ view }) => {
    const name = getAtPath(view.config, 'studio.name');
    const info = useSession.getState().info;
    if (info && typeof name === 'string' && name !== info.name) {
      useSession.setState({ info: { ...info, name } });
      document.title = name;
    }
  });
  onEvent('host.stopping', ({ reason }) => toastInfo('The host is stopping', reason));
}
