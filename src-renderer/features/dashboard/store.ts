import { create } from 'zustand';
import type { FfmpegInfo, SystemStats } from '../../../src-shared/contract/index.js';
import { call, onEvent } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { appendSample, EMPTY_SERIES, type StatsSeries } from './series.js';

interface DashboardState {
  latest: SystemStats | null;
  series: StatsSeries;
  ffmpeg: FfmpegInfo | null;
  probing: boolean;
  addSample(sample: SystemStats): void;
  load(): Promise<void>;
  probeFfmpeg(): Promise<void>;
}

export const useDashboard = create<DashboardState>()((set, get) => ({
  latest: null,
  series: EMPTY_SERIES,
  ffmpeg: null,
  probing: false,

  addSample(sample) {
    const latest = get().latest;
    if (latest && sample.at <= latest.at) return;
    set((s) => ({ latest: sample, series: appendSample(s.series, sample) }));
  },

  /** Seeds the page; live updates then come from events (the host replays the latest on connect). */
  async load() {
    try {
      const [stats, ffmpeg] = await Promise.all([call('system.stats'), get().ffmpeg ?? call('system.ffmpeg')]);
      if (stats) get().addSample(stats);
      set({ ffmpeg });
    } catch (err) {
      toastError(err);
    }
  },

  async probeFfmpeg() {
    set({ probing: true });
    try {
      const ffmpeg = await call('system.probeFfmpeg');
      set({ ffmpeg });
      const usable = ffmpeg.encoders.filter((e) => e.usable).length;
      toastSuccess('ffmpeg probed', ffmpeg.found ? `${usable} of ${ffmpeg.encoders.length} encoders usable` : 'ffmpeg was not found');
    } catch (err) {
      toastError(err);
    } finally {
      set({ probing: false });
    }
  },
}));

export function connectDashboard(): void {
  onEvent('system.stats', (sample) => useDashboard.getState().addSample(sample));
  onEvent('system.ffmpeg', (ffmpeg) => useDashboard.setState({ ffmpeg }));
}
