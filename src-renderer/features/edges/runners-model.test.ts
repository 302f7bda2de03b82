import { describe, expect, it } from 'vitest';
import type { Job, RunnerInfo, Video } from '../../../src-shared/contract/index.js';
import {
  connectedFor,
  fleetLine,
  loadOf,
  rememberNames,
  runnerCommand,
  runnerProvisionCommand,
  runnerJobs,
  runnerOrigin,
  runnerWords,
  shortEncoders,
  slotsLine,
} from './runners-model.js';
import { edgePolicyLine, policyLine, scalingChart, sourcesLine } from './scaling-model.js';

function runner(over: Partial<RunnerInfo> = {}): RunnerInfo {
  return {
    id: 'run_a', name: 'render-1', address: '10.0.0.9', version: '1.4.0', slots: 2, cores: 8, encoders: ['libx264'], ffmpeg: '6.1',
    load: 0.25, jobs: [], done: 0, failed: 0, connectedAt: 0, lastSeenAt: 0, draining: false, ...over,
  };
}

const job = (jobId: string, subject: string, progress: number, step: string | null = 'encode') => ({ jobId, subject, progress, step, leasedAt: 0 });

function video(id: string, over: Partial<Job> | null, title = 'Sea trip'): Video {
  return {
    id, title, description: '', visibility: 'public', encryption: 'none', tags: [], source: 'upload', uploadId: null, recordingId: null,
    fileName: null, state: 'processing', preset: 'fast', normalizeLoudness: false, upload: null, progress: 0, etaSec: null,
    job: over && {
      id: 'job1', kind: 'process', subject: id, state: 'running', priority: 0, progress: 0, step: null, etaSec: null, queuePosition: null,
      attempts: 1, maxAttempts: 3, error: null, createdAt: 1, startedAt: 1, finishedAt: null, runner: 'run_a', ...over,
    },
    error: null, durationSec: 8, width: 640, height: 360, sizeBytes: 1, views: 0, subtitles: [], chapters: [], urls: null,
    createdAt: 1, updatedAt: 1, readyAt: null,
  };
}

describe('runners model', () => {
  it('names a job\'s runner from every runner seen, its id when unknown, nothing on the origin', () => {
    let names = rememberNames({}, [runner(), runner({ id: 'run_b', name: 'gpu-box' })]);
    // run_a left and reconnected as run_c: both ids still resolve.
    names = rememberNames(names, [runner({ id: 'run_c' })]);
    expect(names).toEqual({ run_a: 'render-1', run_b: 'gpu-box', run_c: 'render-1' });
    expect(runnerWords('run_b', names)).toBe('on runner gpu-box');
    expect(runnerWords('run_zz', names)).toBe('on runner run_zz');
    expect(runnerWords(null, names)).toBeNull();
    // Bounded: the oldest ids go first.
    expect(Object.keys(rememberNames(names, [runner({ id: 'run_d' })], 2))).toEqual(['run_c', 'run_d']);
  });

  it('words slots, load, encoders and the fleet', () => {
    expect(slotsLine(runner({ jobs: [job('j1', 'vid_1', 0.2)] }))).toBe('1 / 2');
    expect(loadOf(null)).toBeNull();
    expect(loadOf(0.374)).toEqual({ share: 0.374, text: '37 %' });
    // Above all its cores (a load average can be): the meter is full, the words say so.
    expect(loadOf(1.3)).toEqual({ share: 1, text: '130 %' });
    expect(shortEncoders(['libx264', 'libx265', 'h264_nvenc', 'libsvtav1', 'hevc_nvenc'])).toEqual({ shown: ['h264_nvenc', 'hevc_nvenc', 'libx264'], more: 2 });
    expect(shortEncoders([])).toEqual({ shown: [], more: 0 });
    expect(fleetLine([runner({ jobs: [job('j1', 'v', 0)], done: 3 }), runner({ slots: 1, done: 2, failed: 1 })])).toBe('1 of 3 slots busy · 5 done · 1 failed');
    expect(fleetLine([runner()])).toBe('0 of 2 slots busy · 0 done');
    expect(connectedFor(1_000, 311_000)).toBe('5m 10s');
  });

  it("shows a job's video by title and the fresher of the runner's and the library's progress", () => {
    const r = runner({ jobs: [job('job1', 'vid_1', 0.3, 'download'), job('job2', 'vid_2', 0.1, null)] });
    const videos = { vid_1: video('vid_1', { progress: 0.55, step: 'encode' }) };
    expect(runnerJobs(r, videos)).toEqual([
      { jobId: 'job1', videoId: 'vid_1', stream: null, title: 'Sea trip', progress: 0.55, step: 'encode' },
      { jobId: 'job2', videoId: 'vid_2', stream: null, title: null, progress: 0.1, step: null },
    ]);
    // The library's view of another attempt (an older job id) is not this job's.
    expect(runnerJobs(r, { vid_1: video('vid_1', { id: 'job0', progress: 0.9 }) })[0]).toMatchObject({ progress: 0.3, step: 'download' });
    // The runner's heartbeat ahead of the library: it wins.
    expect(runnerJobs(runner({ jobs: [job('job1', 'vid_1', 0.8)] }), videos)[0]!.progress).toBe(0.8);
  });

  it("shows a live ladder by its stream's name, with no progress", () => {
    expect(runnerJobs(runner({ jobs: [job('live_1', 'live:show', 0, 'live')] }), {})).toEqual([{ jobId: 'live_1', videoId: '', stream: 'show', title: null, progress: 0, step: 'live' }]);
    // A video whose id starts like a stream's is not one: library ids never hold a colon.
    expect(runnerJobs(runner({ jobs: [job('job1', 'vid_live', 0.2)] }), {})[0]!.stream).toBeNull();
  });

  it('tells how to add a runner with the URL this page was served from', () => {
    expect(runnerOrigin({ protocol: 'http:', origin: 'http://studio.lan:7070' }, 'http://127.0.0.1:7070')).toBe('http://studio.lan:7070');
    // The desktop window from a file: the host's own URL.
    expect(runnerOrigin({ protocol: 'file:', origin: 'null' }, 'http://127.0.0.1:7070/')).toBe('http://127.0.0.1:7070');
    expect(runnerCommand('https://studio.example')).toBe('streams runner --origin https://studio.example --token <token>');
    expect(runnerProvisionCommand('https://studio.example')).toBe('streams runner provision root@<server> --origin https://studio.example --token <token>');
  });
});

describe('scaling model', () => {
  it('says the policy and where machines come from in a line each', () => {
    expect(policyLine({ min: 1, max: 4, queueWaitSeconds: 30, idleSeconds: 300, cooldownSeconds: 120 })).toBe('1 to 4 runners · add when a job waits 30 s · remove after 5 min idle · 2 min between actions');
    expect(policyLine({ min: 0, max: 2, queueWaitSeconds: 90, idleSeconds: 7200, cooldownSeconds: 0 })).toBe('0 to 2 runners · add when a job waits 90 s · remove after 2 h idle · 0 s between actions');
    expect(sourcesLine({ poolSize: 2, provider: true })).toBe('2 machines in the SSH pool, then the provider command');
    expect(sourcesLine({ poolSize: 0, provider: false })).toBe('no SSH pool, no provider command');
  });

  it('draws capacity as steps and load as an area over the samples, with whole-slot ticks', () => {
    const box = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };
    const edgesNone = { edges: 0, edgeCores: 0, edgeMbps: 0 };
    const samples = [
      { at: 0, runners: 0, slots: 0, busy: 0, waiting: 3, ...edgesNone },
      { at: 60_000, runners: 1, slots: 2, busy: 2, waiting: 1, ...edgesNone },
      { at: 120_000, runners: 1, slots: 2, busy: 0, waiting: 0, ...edgesNone },
    ];
    const chart = scalingChart(samples, box);
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 1, 2, 3]);
    expect(chart.capacity).toBe('M10.0,50.0H60.0V16.7H110.0V16.7');
    expect(chart.load).toBe('M10.0,50.0L10.0,0.0L60.0,0.0L110.0,50.0L110.0,50.0Z');
    expect(chart.spanMin).toBe(2);
    expect(scalingChart([], box)).toEqual({ capacity: '', load: '', ticks: [], spanMin: 0 });
  });

  it("draws the edges' traffic against their cores times the target, in Mbit/s", () => {
    const box = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };
    const runnersNone = { runners: 0, slots: 0, busy: 0, waiting: 0 };
    const samples = [
      { at: 0, ...runnersNone, edges: 1, edgeCores: 1, edgeMbps: 150 },
      { at: 60_000, ...runnersNone, edges: 2, edgeCores: 2, edgeMbps: 260 },
    ];
    const chart = scalingChart(samples, box, 'edge', 200);
    // Capacity 200 then 400 Mbit/s; ticks every 100.
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 100, 200, 300, 400]);
    expect(chart.capacity).toBe('M10.0,25.0H110.0V0.0');
    expect(chart.load).toBe('M10.0,50.0L10.0,31.3L110.0,17.5L110.0,50.0Z');
  });

  it("says the edges' policy in a line", () => {
    expect(edgePolicyLine({ min: 1, max: 6, targetMbps: 400, drainSeconds: 300, cooldownSeconds: 120 })).toBe(
      '1 to 6 edges · add at 400 Mbit/s per core · remove one when the rest stay below 200 Mbit/s · drain up to 5 min · 2 min between actions',
    );
  });
});
