import type { ObsOutputName, ObsOutputs, ObsStats } from '../../src-shared/contract/index.js';
import type { BatchResult, ObsLink } from './obs-link.js';
import { settle } from './settle.js';

const START: Record<ObsOutputName, 'StartStream' | 'StartRecord' | 'StartReplayBuffer' | 'StartVirtualCam'> = {
  stream: 'StartStream',
  record: 'StartRecord',
  replay: 'StartReplayBuffer',
  virtualcam: 'StartVirtualCam',
};
const STOP: Record<ObsOutputName, 'StopStream' | 'StopRecord' | 'StopReplayBuffer' | 'StopVirtualCam'> = {
  stream: 'StopStream',
  record: 'StopRecord',
  replay: 'StopReplayBuffer',
  virtualcam: 'StopVirtualCam',
};

type Raw = Record<string, unknown>;

/** Builds a stats sample from GetStats + GetStreamStatus; the bitrate comes from the byte counter since `previous`. Pure. */
export function statsSample(connectionId: string, at: number, stats: Raw, stream: Raw, previous: { at: number; bytes: number } | undefined): ObsStats {
  const bytes = Number(stream.outputBytes ?? 0);
  const seconds = previous ? (at - previous.at) / 1000 : 0;
  const bitrate = previous && seconds > 0 && bytes >= previous.bytes && stream.outputActive ? ((bytes - previous.bytes) * 8) / 1000 / seconds : 0;
  return {
    connectionId,
    at,
    fps: Math.round(Number(stats.activeFps ?? 0) * 100) / 100,
    cpuPercent: Math.round(Number(stats.cpuUsage ?? 0) * 100) / 100,
    memoryMb: Math.round(Number(stats.memoryUsage ?? 0)),
    renderSkippedFrames: Number(stats.renderSkippedFrames ?? 0),
    renderTotalFrames: Number(stats.renderTotalFrames ?? 0),
    outputSkippedFrames: Number(stats.outputSkippedFrames ?? 0),
    outputTotalFrames: Number(stats.outputTotalFrames ?? 0),
    streamDroppedFrames: Number(stream.outputSkippedFrames ?? 0),
    streamTotalFrames: Number(stream.outputTotalFrames ?? 0),
    streamBitrateKbps: Math.round(bitrate),
    streamCongestion: Number(stream.outputCongestion ?? 0),
  };
}

/** Every output's state in one batch; replay buffer and virtual camera may be unavailable (then inactive). */
export async function outputsStatus(link: ObsLink, stats: ObsStats | null): Promise<ObsOutputs> {
  const [stream, record, replay, vcam, service] = await link.batch(
    [
      { requestType: 'GetStreamStatus' },
      { requestType: 'GetRecordStatus' },
      { requestType: 'GetReplayBufferStatus' },
      { requestType: 'GetVirtualCamStatus' },
      { requestType: 'GetStreamServiceSettings' },
    ],
    true,
  );
  const d = (r: BatchResult | undefined): Raw => (r?.ok ? (r.data as Raw) : {});
  const s = d(stream);
  const r = d(record);
  const settings = (d(service).streamServiceSettings ?? {}) as Raw;
  return {
    stream: {
      active: Boolean(s.outputActive),
      reconnecting: Boolean(s.outputReconnecting),
      durationMs: Number(s.outputDuration ?? 0),
      bytes: Number(s.outputBytes ?? 0),
      server: typeof settings.server === 'string' ? settings.server : null,
    },
    record: { active: Boolean(r.outputActive), paused: Boolean(r.outputPaused), durationMs: Number(r.outputDuration ?? 0), bytes: Number(r.outputBytes ?? 0) },
    replay: { active: Boolean(d(replay).outputActive), available: Boolean(replay?.ok) },
    virtualcam: { active: Boolean(d(vcam).outputActive), available: Boolean(vcam?.ok) },
    stats,
  };
}

/** Starts or stops an output and waits (up to `waitMs`) until OBS reports the new state. */
export async function setOutput(link: ObsLink, name: ObsOutputName, on: boolean, stats: () => ObsStats | null, waitMs = 8000): Promise<ObsOutputs> {
  await link.call(on ? START[name] : STOP[name]);
  return settle(() => outputsStatus(link, stats()), (status) => status[name].active === on, waitMs, 100);
}
