// The recording checks of bench/soak: every publish run of the recorded stream must have its recording,
// complete, its file on disk, as long as the run (within TOLERANCE). A run that met the disk floor is
// judged by what the host promises there: recorded up to the floor (the file kept, `failed` with "disk
// almost full"), or not started while the disk is below it; the time it then went unrecorded is kept
// apart. At the end every recording found good earlier is looked for again: one gone counts as lost,
// unless the host's free-space retention deleted it while the disk was below its floor.
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './live.mjs';

/** |recorded - run| allowed: the recorder joins at the run's first keyframe and the last frames in flight die with a killed publisher. */
export const TOLERANCE = { seconds: 2, share: 0.02 };
/** Runs shorter than this are refused reconnects, not sessions. */
const MIN_RUN_MS = 5000;
const FINAL_WAIT_MS = 90_000;

const overlaps = (run, floor) => floor && floor.start !== null && run.startAt <= (floor.end ?? Infinity) + 5000 && (run.endAt ?? Infinity) >= floor.start;

export function recordingChecker({ api, home, stream }) {
  const verdicts = [];
  const listing = async () => {
    const res = await api('GET', `/api/v1/recordings?stream=${stream}`);
    if (res.status !== 200) throw new Error(`GET /api/v1/recordings -> ${res.status}: ${res.text.slice(0, 200)}`);
    return res.json;
  };
  const ofRun = (list, run) => list.filter((r) => r.startedAt >= run.startAt - 2000 && r.startedAt <= run.endAt + 1000);
  const fileOk = (r) => (fs.statSync(path.join(home, 'recordings', r.file), { throwIfNoEntry: false })?.size ?? 0) > 0;

  return {
    verdicts,
    /** Judges one ended run (waits for its files to be final); `floor`: { start, end, stoppedAt } of the disk floor, or null. */
    async verify(run, floor) {
      if (run.endAt - run.startAt < MIN_RUN_MS) return null;
      const deadline = Date.now() + FINAL_WAIT_MS;
      let recs;
      for (;;) {
        recs = ofRun(await listing(), run);
        const settled = recs.length > 0 && recs.every((r) => r.state !== 'recording');
        if (settled || Date.now() > deadline || (recs.length === 0 && Date.now() - run.endAt > 20_000)) break;
        await sleep(2000);
      }
      const runSec = (run.endAt - run.startAt) / 1000;
      const recordedSec = recs.reduce((a, r) => a + r.durationSec, 0);
      const v = { run, runSec, recordedSec, deltaSec: recordedSec - runSec, ids: recs.map((r) => r.id), states: recs.map((r) => r.state), ok: false, floor: false, reason: '' };
      if (overlaps(run, floor)) {
        v.floor = true;
        const started = run.startAt >= floor.start && run.startAt <= (floor.end ?? Infinity);
        if (started && recs.length === 0) {
          v.ok = true;
          v.reason = 'started below the floor: not recorded (the host refuses to start a recording there)';
        } else if (recs.length > 0 && recs.every(fileOk) && recs.some((r) => r.state === 'failed' && /disk/.test(r.error ?? ''))) {
          v.ok = true;
          v.reason = `recorded up to the floor (${recs.map((r) => `${r.state} ${r.durationSec.toFixed(1)} s`).join(', ')})`;
        } else if (recs.length > 0 && recs.every((r) => r.state === 'complete' && fileOk(r))) {
          v.ok = true;
          v.reason = 'recorded, the floor did not stop it';
        } else v.reason = `met the floor: ${recs.length === 0 ? 'no recording' : recs.map((r) => `${r.state}${r.error ? ` (${r.error})` : ''}`).join(', ')}`;
        verdicts.push(v);
        return v;
      }
      const tolerance = TOLERANCE.seconds + TOLERANCE.share * runSec;
      if (recs.length === 0) v.reason = 'no recording';
      else if (recs.some((r) => r.state !== 'complete')) v.reason = `state ${recs.map((r) => `${r.state}${r.error ? ` (${r.error})` : ''}`).join(', ')}`;
      else if (!recs.every(fileOk)) v.reason = 'file missing or empty on disk';
      else if (Math.abs(v.deltaSec) > tolerance) v.reason = `recorded ${recordedSec.toFixed(1)} s of a ${runSec.toFixed(1)} s run (tolerance ${tolerance.toFixed(1)} s)`;
      else v.ok = true;
      verdicts.push(v);
      return v;
    },
    /**
     * Looks again for the recordings of the runs found good: { missing: [verdict], deletedByFloor: [verdict] }.
     * `deleted`: ids the host logged as deleted (the bench deletes none: its retention did), with when.
     */
    async recheck(deleted, floor) {
      const present = new Set((await listing()).filter(fileOk).map((r) => r.id));
      const missing = [];
      const deletedByFloor = [];
      for (const v of verdicts) {
        if (!v.ok || v.ids.every((id) => present.has(id))) continue;
        const gone = v.ids.filter((id) => !present.has(id));
        const byFloor = floor && gone.every((id) => deleted.has(id) && deleted.get(id) >= floor.start - 1000 && deleted.get(id) <= (floor.end ?? Infinity) + 30_000);
        (byFloor ? deletedByFloor : missing).push(v);
      }
      return { missing, deletedByFloor };
    },
  };
}
