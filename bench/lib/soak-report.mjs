// The end of bench/soak: the tables printed after the minutes (slopes, returns, recordings, data,
// viewers, uploads, restream, edges, the disk floor, errors by kind) and the figures its goals take.
import { fmt } from './live.mjs';
import { RETURN_TIMEOUT_MS } from './soak-publishers.mjs';
import { blockFit, MiB } from './soak-stats.mjs';

/** Seconds, or "never" for a return not seen within the watch. */
const secText = (x, digits = 1) => (x === Infinity ? 'never' : fmt(x, digits));

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Prints everything; returns { rss, live, fds, eld, recordings, data, returns } with each goal's figure and note (null: not measured). */
export function printFinal(run, { returnSeconds, leastSquares, slopePercentPerHour, percentile, say }) {
  const out = { rss: null, live: null, fds: null, eld: null, recordings: null, data: null, returns: null };
  const warm = run.warmupS;
  const after = run.samples.filter((s) => s.t >= warm);
  const afterRows = run.rows.filter((r) => r.minute * 60 >= warm);
  const measuredMin = after.length > 1 ? (after.at(-1).t - after[0].t) / 60 : 0;

  // ---- slopes ----
  say(`\nbench/soak: slopes after the warm-up (${warm / 60} min; least squares over ${after.length} samples every 10 s, ${fmt(measuredMin, 1)} min; per-minute figures for heap and SQLite)`);
  say('| figure | after warm-up | at the end | change | end / warm-up | slope, % of mean per hour | slope per hour |');
  say('|---|---:|---:|---:|---:|---:|---:|');
  const series = [
    ['RSS', 'MiB', after.map((s) => ({ t: s.t, v: s.rss / MiB })), 'rss'],
    ['open file descriptors', '', after.map((s) => ({ t: s.t, v: s.fds })), 'fds'],
    ['  of them files', '', after.map((s) => ({ t: s.t, v: s.files })), null],
    ['  of them deleted files', '', after.map((s) => ({ t: s.t, v: s.deleted })), null],
    ['  of them sockets', '', after.map((s) => ({ t: s.t, v: s.sockets })), null],
    ['child processes', '', after.map((s) => ({ t: s.t, v: s.children })), null],
    ['heap used', 'MiB', afterRows.map((r) => ({ t: r.minute * 60, v: r.heap / MiB })), null],
    ['live heap (after each full collection)', 'MiB', afterRows.map((r) => ({ t: r.minute * 60, v: r.live / MiB })), 'live'],
    ['SQLite (db + wal)', 'MiB', afterRows.map((r) => ({ t: r.minute * 60, v: r.sqlite / MiB })), null],
    ['disk used (minutes without the floor)', 'MiB', afterRows.filter((r) => !r.floor).map((r) => ({ t: r.minute * 60, v: r.disk / MiB })), null],
  ];
  for (const [label, unit, points, key] of series) {
    const fit = leastSquares(points.filter((p) => Number.isFinite(p.v)));
    const t1 = points.at(-1)?.t ?? NaN;
    const w = fit.at(warm);
    const e = fit.at(t1);
    const pct = slopePercentPerHour(fit);
    const u = unit ? ` ${unit}` : '';
    say(`| ${label} | ${fmt(w, 1)}${u} | ${fmt(e, 1)}${u} | ${e - w >= 0 ? '+' : ''}${fmt(e - w, 1)}${u} | ${fmt(e / w, 3)} | ${fmt(pct, 2)} | ${fmt(fit.slopePerHour, 2)}${u} |`);
    if (key && fit.n >= 2) {
      const raw = `${fmt(points[0]?.v, 1)} -> ${fmt(points.at(-1)?.v, 1)}${u} sampled`;
      out[key] = {
        slopePct: pct,
        note: `${fmt(w, 1)}${u} after warm-up -> ${fmt(e, 1)}${u} at the end (x${fmt(e / w, 3)}, ${e - w >= 0 ? '+' : ''}${fmt(e - w, 1)}${u} over ${fmt(measuredMin, 1)} min; ${raw})`,
      };
    }
  }
  // The same two judged series in blocks: their means and floors (what a collection falls back to),
  // each slope with its 95 % interval over the blocks, which says whether the run can tell 1 %/h from flat.
  const blockS = measuredMin >= 60 ? 600 : 300;
  for (const [label, unit, points, key] of series.filter((x) => x[3])) {
    const fit = blockFit(points.filter((p) => Number.isFinite(p.v)), blockS);
    if (fit.blocks < 3) continue;
    const pct = (x) => (x / fit.mean.mean) * 100;
    const band = (f) => `${fmt(pct(f.slopePerHour), 2)} %/h (95 %: ${fmt(pct(f.slopePerHour - 2 * f.sePerHour), 2)} to ${fmt(pct(f.slopePerHour + 2 * f.sePerHour), 2)})`;
    const line = `${label} in ${fit.blocks} blocks of ${blockS / 60} min: block means ${band(fit.mean)}; block floors ${fmt(fit.floor.mean, 1)}${unit ? ` ${unit}` : ''} on average, ${band(fit.floor)}`;
    say(line);
    out[key].blocks = line;
  }
  if (measuredMin < 30) say(`(a ${fmt(measuredMin, 0)}-minute window: 1 %/h is ${fmt(measuredMin / 60, 2)} % over it, below the noise of a garbage collection; the slope of a short run is indicative only, the change beside it is the figure to read)`);

  // ---- event loop ----
  const eld = run.rows.map((r) => r.eldP99).filter(Number.isFinite);
  if (eld.length > 0) {
    const worst = Math.max(...eld);
    const at = run.rows.find((r) => r.eldP99 === worst)?.minute;
    // The reference: an idle Node process on the same machine in the same minutes (the machine's share).
    const idle = run.rows.map((r) => r.idleP99).filter(Number.isFinite);
    const idleAt = run.rows.find((r) => r.minute === at)?.idleP99;
    const reference = idle.length > 0 ? `; an idle Node process beside it: ${fmt(idleAt, 1)} ms that minute, median minute ${fmt(median(idle), 1)} ms (host/idle x${fmt(median(eld) / Math.max(median(idle), 0.001), 2)} by medians)` : '';
    out.eld = { worst, note: `worst in minute ${at}; median minute ${fmt(median(eld), 1)} ms; ${eld.filter((x) => x >= 50).length} of ${eld.length} minutes at 50 ms or more${reference}` };
  }

  // ---- returns ----
  const returns = run.returns;
  say(`\nbench/soak: publisher returns (restart -> first new segment or part in the media playlist; WHIP: -> first packet at a WHEP viewer, its playlist beside it)`);
  say('| stream | returns | after SIGKILL | after a clean stop | after an exit | p50 s | max s | playlist max s (WHIP) | refusals while returning |');
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const secs = (rs) => rs.map((r) => (Number.isFinite(returnSeconds(r)) ? returnSeconds(r) : Infinity));
  for (const name of [...new Set(returns.map((r) => r.stream))]) {
    const rs = returns.filter((r) => r.stream === name);
    const by = (k) => {
      const xs = secs(rs.filter((r) => r.kind === k));
      return xs.length ? `${xs.length} (max ${secText(Math.max(...xs))})` : '-';
    };
    say(`| ${name} | ${rs.length} | ${by('kill')} | ${by('term')} | ${by('exit')} | ${secText(percentile(secs(rs), 50), 2)} | ${secText(Math.max(...secs(rs)), 2)} | ${rs[0].protocol === 'whip' ? fmt(Math.max(...rs.map((r) => (Number.isFinite(r.hlsS) ? r.hlsS : Infinity))), 2) : '-'} | ${rs.reduce((a, r) => a + r.refusals, 0)} |`);
  }
  if (returns.length > 0) {
    const all = secs(returns);
    const max = Math.max(...all);
    const worst = returns[all.indexOf(max)];
    const over = returns.filter((r, i) => all[i] > 5);
    // A return that never played again counts as the watch's length (the figure is then a floor).
    const never = returns.filter((r, i) => !Number.isFinite(all[i]));
    out.returns = {
      max: Number.isFinite(max) ? max : RETURN_TIMEOUT_MS / 1000,
      note: `${never.length ? `${never.length} never played again within ${RETURN_TIMEOUT_MS / 1000} s (${never.map((r) => `${r.stream} after ${r.kind}`).join(', ')}); ` : ''}${returns.length} returns, p50 ${fmt(percentile(all, 50), 2)} s; worst ${worst.stream} after ${worst.kind === 'kill' ? 'a SIGKILL' : worst.kind === 'term' ? 'a clean stop' : 'an exit'} (down ${fmt(worst.downS, 1)} s, ${worst.refusals} refusals)` +
        (over.length ? `; over 5 s: ${over.length} (${[...new Set(over.map((r) => `${r.stream} ${r.kind}`))].join(', ')})` : ''),
    };
    const whipSteps = (r) => `WHIP offer out at ${fmt(r.offeringS, 2)} s, answered at ${fmt(r.publishedS, 2)} s, connected at ${fmt(r.connectedS, 2)} s, first packet at a WHEP viewer ${fmt(r.whepS, 2)} s (${r.whepVia ?? '-'})`;
    for (const r of over) say(`  over 5 s: ${r.stream} after ${r.kind}, down ${fmt(r.downS, 1)} s, back in ${Number.isFinite(returnSeconds(r)) ? `${fmt(returnSeconds(r), 2)} s` : `never (watched ${RETURN_TIMEOUT_MS / 1000} s)`} (playlist ${fmt(r.hlsS, 2)} s${r.protocol === 'whip' ? `; ${whipSteps(r)}` : ''}), ${r.refusals} refusals`);
  }

  // ---- recordings ----
  const rec = run.recordings;
  if (rec) {
    const v = rec.verdicts;
    const normal = v.filter((x) => !x.floor);
    const bad = v.filter((x) => !x.ok);
    const deltas = normal.filter((x) => x.ok).map((x) => x.deltaSec);
    say(`\nbench/soak: recordings of ll-rtmp: ${v.length} runs checked, ${normal.length} away from the floor (${normal.filter((x) => x.ok).length} good), ${v.length - normal.length} met the floor (${v.filter((x) => x.floor && x.ok).length} as the host promises); recorded - run: min ${fmt(Math.min(...deltas), 2)} s, median ${fmt(median(deltas), 2)} s, max ${fmt(Math.max(...deltas), 2)} s`);
    for (const x of v.filter((y) => y.floor)) say(`  floor: run of ${fmt(x.runSec, 1)} s: ${x.reason}`);
    for (const x of bad) say(`  LOST: run at ${new Date(x.run.startAt).toISOString()} of ${fmt(x.runSec, 1)} s (ended by ${x.run.end}): ${x.reason}`);
    for (const x of rec.missing) say(`  LOST later: run at ${new Date(x.run.startAt).toISOString()}: its recording ${x.ids.join(', ')} is gone`);
    if (rec.deletedByFloor.length) say(`  ${rec.deletedByFloor.length} good recordings deleted by the free-space retention while the disk was below its floor (by design: the oldest go first)`);
    out.recordings = {
      lost: bad.length + rec.missing.length,
      note: `${v.length} runs: ${normal.filter((x) => x.ok).length} recorded whole, ${v.filter((x) => x.floor && x.ok).length} met the floor as promised, ${bad.length} bad, ${rec.missing.length} gone later; ${rec.deletedByFloor.length} deleted by the floor's retention`,
    };
  }

  // ---- data ----
  const f = run.data.final;
  if (f) {
    say(`\nbench/soak: data channel: ${f.sent} sent, ${f.acked} acknowledged, ack p99 (median minute) ${fmt(median(run.data.ackP99), 1)} ms, ${run.data.notSent} not sent (publisher socket down)`);
    say('| subscriber | connected throughout | reconnects | gap events | received | acknowledged missing |');
    say('|---|---|---:|---:|---:|---:|');
    for (const s of f.checked) say(`| ${s.transport} | ${s.throughout ? 'yes' : 'no'} | ${s.reconnects} | ${s.gaps} | ${s.received} | ${s.missing}${s.missing ? ` (first: ${s.firstMissing.join(', ')})` : ''} |`);
    say(`| host history (data.messages) | - | - | - | ${f.kept?.size ?? 'n/a'} | ${f.kept ? f.kept.missing : `n/a: ${f.historyError}`} |`);
    say(`chat: ${f.chat.sent} lines sent (201), ${f.chat.failed} refused, ${f.chat.received} received on the chat channel, ${f.chat.missing} sent but not received; ${f.chat.joins} joins`);
    const throughout = f.checked.filter((s) => s.throughout);
    const lost = f.kept ? f.kept.missing + throughout.reduce((a, s) => a + s.missing, 0) : NaN;
    const later = f.checked.filter((s) => !s.throughout);
    out.data = {
      lost,
      note: `${f.acked} acknowledged; missing from the history ${f.kept?.missing ?? 'n/a'}, from ${throughout.length} subscribers connected throughout ${throughout.reduce((a, s) => a + s.missing, 0)}` +
        (later.length ? `; ${later.length} that reconnected miss ${later.reduce((a, s) => a + s.missing, 0)} (not judged)` : ''),
    };
  }

  // ---- viewers, uploads, restream, edges ----
  const h = run.hls;
  say(`\nbench/soak: HLS viewers: ${h.started} joined, ${h.requests} requests, ${fmt(h.bytes / MiB, 0)} MiB, stall ratio ${fmt(h.stalledMs / Math.max(1, h.playedMs + h.stalledMs), 4)} (publisher drops included), ${h.failovers} edge failovers, startup p50 ${fmt(median(h.startups) / 1000, 2)} s`);
  // A few examples of each kind of unexpected error.
  const shown = new Map();
  for (const x of h.samples) {
    const kind = /^min \d+: (hls \S+)/.exec(x)?.[1] ?? '';
    shown.set(kind, (shown.get(kind) ?? 0) + 1);
    if (shown.get(kind) <= 3) say(`  ${x}`);
  }
  const c = run.clientsCpu;
  if (c) say(`bench/soak: the bench's own clients used ${fmt(c.hls / c.seconds, 2)} cores (HLS viewers), ${fmt(c.whep / c.seconds, 2)} (WHEP viewers), ${fmt(c.data / c.seconds, 2)} (data and chat) on average; host CPU per minute (with its children) is in the table above`);
  const w = run.whep;
  say(`bench/soak: WHEP viewers: ${w.sessions} sessions, ${w.stalls} stalled, RTP loss ${fmt((100 * w.loss.lost) / Math.max(1, w.loss.expected), 3)} % of ${w.loss.expected} packets`);
  for (const x of w.samples.slice(0, 10)) say(`  ${x}`);
  const u = run.uploads;
  say(`bench/soak: uploads: ${u.tries} tried, ${u.ready} processed and playable (p50 ${fmt(median(u.processingS), 1)} s upload-to-ready), ${u.failed} failed, ${u.refusedAtFloor} refused at the disk floor`);
  for (const x of u.errors.slice(0, 5)) say(`  ${x}`);
  const r = run.restream;
  say(`bench/soak: restream of ladder: went live ${r.wentLive} times (stream returns: ${returns.filter((x) => x.stream === 'ladder').length}), destination retries ${r.retries}, ${r.notLiveMinutes} minute checks not live while the stream had been up 20 s, receiver got ${fmt(r.bytes / MiB, 1)} MiB`);
  const er = run.edgeRestarts;
  say(`bench/soak: edge restarts: ${er.length} (${er.map((e) => `${e.edge} ${e.signal === 'SIGKILL' ? 'kill' : 'term'}`).join(', ') || 'none'}); agent start p50 ${fmt(median(er.map((e) => e.startS)), 2)} s; from the stop to in rotation again p50 ${fmt(median(er.map((e) => e.inRotationS)), 1)} s, max ${fmt(Math.max(...er.map((e) => e.inRotationS)), 1)} s`);

  // ---- the disk floor ----
  const fl = run.floor;
  if (!fl.enabled) say('bench/soak: disk floor: not run (no tmpfs: the bench is not root)');
  else if (fl.start === null) say('bench/soak: disk floor: not reached in this run');
  else {
    say(
      `bench/soak: disk floor at minute ${fmt((fl.start - run.soakStart) / 60_000, 1)}: a ${fmt(fl.bytes / MiB, 0)} MiB file left ${fl.leaveMiB} MiB free (floor ${fl.floorMB} MiB) for ${fmt((fl.end - fl.start) / 1000, 0)} s; ` +
        `recording stopped ${fl.stoppedAt ? `${fmt((fl.stoppedAt - fl.start) / 1000, 1)} s after` : 'not (no "recording stops" line)'}; ${fl.retentionDeleted} recordings deleted by the free-space retention; ${fl.notStarted} recordings refused to start; ` +
        `upload during the floor: ${fl.upload ? (fl.upload.done ? 'accepted (!)' : `refused, status ${fl.upload.status}`) : 'n/a'}; ` +
        `${fl.resumedAt ? `recording resumed ${fmt((fl.resumedAt - fl.end) / 1000, 1)} s after the floor was lifted ${fl.resumedWithoutReconnect ? 'by itself' : 'when the publisher came back'}` : 'recording did not resume within 40 s of the floor being lifted while its publisher stayed (it resumes at the next publish)'}`,
    );
  }

  // ---- errors by kind ----
  say('\nbench/soak: errors by kind over the run');
  say('| source | kind | count |');
  say('|---|---|---:|');
  for (const [k, n] of run.hostErrors.sorted()) say(`| host log, error | ${k} | ${n} |`);
  for (const [k, n] of run.hostWarnings.sorted().slice(0, 15)) say(`| host log, warning | ${k} | ${n} |`);
  if (run.hostWarnings.sorted().length > 15) say(`| host log, warning | (${run.hostWarnings.sorted().length - 15} more kinds) | ${run.hostWarnings.sorted().slice(15).reduce((a, [, n]) => a + n, 0)} |`);
  for (const [k, n] of run.clientErrors.sorted()) say(`| clients | ${k} | ${n} |`);
  for (const [k, n] of run.expected.sorted()) say(`| clients, during the chaos (expected) | ${k} | ${n} |`);
  return out;
}
