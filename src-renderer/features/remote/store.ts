import { create } from 'zustand';
import type { Display, RdpAccess, RdpGateway, RdpGatewayInput, RemotePermission, RemoteSession } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';

interface RemoteState {
  loaded: boolean;
  displays: Display[];
  sessions: RemoteSession[];
  rdp: RdpAccess[];
  gateways: RdpGateway[];
  /** The password of the RDP access opened last, shown once (the host keeps only its hash). */
  rdpPassword: { displayId: string; password: string } | null;
  /** Why the Wayland desktop the host runs in has no displays (the host's words), or null. */
  waylandNote: string | null;
  load(): Promise<void>;
  createDisplay(width: number, height: number): Promise<void>;
  deleteDisplay(id: string): Promise<void>;
  openSession(displayId: string, permission: RemotePermission): Promise<void>;
  endSession(id: string): Promise<void>;
  openRdp(displayId: string, minutes: number): Promise<void>;
  closeRdp(displayId: string): Promise<void>;
  forgetRdpPassword(): void;
  openGateway(input: Omit<RdpGatewayInput, 'width' | 'height'> & Partial<Pick<RdpGatewayInput, 'width' | 'height'>>): Promise<void>;
  closeGateway(id: string): Promise<void>;
}

/** A change through the API, then a fresh list; a refusal becomes a toast. */
async function change(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
    await useRemote.getState().load();
  } catch (err) {
    toastError(err);
  }
}

export const useRemote = create<RemoteState>()((set) => ({
  loaded: false,
  displays: [],
  sessions: [],
  rdp: [],
  gateways: [],
  rdpPassword: null,
  waylandNote: null,

  async load() {
    try {
      // The host's own words on Wayland capture, for those who may read the system info.
      const [displays, sessions, rdp, gateways, system] = await Promise.all([
        call('displays.list', {}),
        call('remote.sessions.list', {}),
        call('remote.rdp.list', {}),
        call('remote.gateways.list', {}),
        call('system.info', {}).catch(() => null),
      ]);
      set({ loaded: true, displays, sessions, rdp, gateways, waylandNote: system?.capture.wayland ?? null });
    } catch (err) {
      toastError(err);
    }
  },

  createDisplay: (width, height) =>
    change(async () => {
      const display = await call('displays.create', { width, height });
      toastSuccess('Virtual display created', `${display.name}, ${display.width}×${display.height}`);
    }),
  deleteDisplay: (id) => change(() => call('displays.delete', { id })),
  openSession: (displayId, permission) => change(() => call('remote.sessions.create', { displayId, permission })),
  endSession: (id) => change(() => call('remote.sessions.end', { id })),
  openRdp: (displayId, minutes) =>
    change(async () => {
      const opened = await call('remote.rdp.open', { displayId, minutes });
      set({ rdpPassword: { displayId, password: opened.password } });
    }),
  closeRdp: (displayId) =>
    change(async () => {
      await call('remote.rdp.close', { displayId });
      set((state) => (state.rdpPassword?.displayId === displayId ? { rdpPassword: null } : {}));
    }),
  forgetRdpPassword: () => set({ rdpPassword: null }),
  openGateway: (input) =>
    change(async () => {
      const gateway = await call('remote.gateways.open', { width: 1280, height: 720, ...input });
      toastSuccess('Connected', `${gateway.target}: pairing code ${gateway.pairingCode}`);
    }),
  closeGateway: (id) => change(() => call('remote.gateways.close', { id })),
}));
