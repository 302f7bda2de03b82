import { useEffect, useState } from 'react';
import type { ChannelStats, WindowDefinition, WindowResult } from '../../../src-shared/contract/index.js';
import { call, onEvent } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { StreamBridges } from './StreamBridges.js';
import { addToTimeline, barsOf, EMPTY_TIMELINE, viewOf, type Timeline } from './data-windows-model.js';

/** Channel counters are asked for this often while the page is open (they have no event of their own). */
const CHANNELS_REFRESH_MS = 2000;
/** Windows a timeline shows (30 minutes of the default per-minute counts). */
const TIMELINE_SPAN = 30;

interface WindowsState {
  defs: WindowDefinition[];
  results: Record<string, WindowResult>;
  timelines: Record<string, Timeline>;
}

const EMPTY: WindowsState = { defs: [], results: {}, timelines: {} };

function withResult(state: WindowsState, r: WindowResult): WindowsState {
  const def = state.defs.find((d) => d.id === r.window);
  const timelines = def && viewOf(def) === 'timeline' ? { ...state.timelines, [r.window]: addToTimeline(state.timelines[r.window] ?? EMPTY_TIMELINE, r) } : state.timelines;
  return { ...state, results: { ...state.results, [r.window]: r }, timelines };
}

/** The stream's windows (data.windows, then live `data.window` events) and its channels' counters. */
function useStreamData(name: string) {
  const [windows, setWindows] = useState<WindowsState>(EMPTY);
  const [channels, setChannels] = useState<ChannelStats[] | null>(null);
  useEffect(() => {
    let stopped = false;
    setWindows(EMPTY);
    void call('data.windows', { name })
      .then(({ windows: defs, results }) => {
        if (!stopped) setWindows((s) => results.reduce(withResult, { ...s, defs }));
      })
      .catch(() => undefined);
    const off = onEvent('data.window', (r) => {
      if (r.stream === name) setWindows((s) => withResult(s, r));
    });
    const refresh = () =>
      void call('data.channels', { name })
        .then((c) => !stopped && setChannels(c.channels))
        .catch(() => undefined);
    refresh();
    const timer = setInterval(refresh, CHANNELS_REFRESH_MS);
    return () => {
      stopped = true;
      off();
      clearInterval(timer);
    };
  }, [name]);
  return { windows, channels };
}

/** A tumbling window's counts as columns, one per window (a minute each by default), newest on the right. */
function Columns({ testId, line }: { testId: string; line: Timeline }) {
  const from = Math.max(0, line.t.length - TIMELINE_SPAN);
  const t = line.t.slice(from);
  const counts = line.count.slice(from);
  const top = Math.max(1, ...counts);
  if (t.length === 0) return <p className="muted small">Nothing yet.</p>;
  return (
    <div className="data-columns" data-testid={testId} data-points={t.length}>
      {t.map((sec, i) => (
        <div key={sec} className="data-column" title={`${new Date(sec * 1000).toLocaleTimeString()}: ${counts[i]}`}>
          <span className="data-column-count">{counts[i]}</span>
          <span className="data-column-bar" style={{ height: `${Math.round((100 * counts[i]!) / top)}%` }} />
          <span className="data-column-time">{new Date(sec * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span>
        </div>
      ))}
    </div>
  );
}

function WindowCard({ def, result, timeline }: { def: WindowDefinition; result: WindowResult | undefined; timeline: Timeline | undefined }) {
  const view = viewOf(def);
  const subtitle = result && result.count > 0 ? `${result.count}${result.closed ? ' (closed)' : ''}` : '';
  return (
    <Card title={def.label} className="chart-card" testId={`data-window-${def.id}`} actions={<span className="muted small">{subtitle}</span>}>
      {view === 'timeline' && <Columns testId={`chart-window-${def.id}`} line={timeline ?? EMPTY_TIMELINE} />}
      {view === 'bars' &&
        (result && result.count > 0 ? (
          <ul className="data-bars" data-testid={`bars-window-${def.id}`}>
            {barsOf(result.groups).map((b) => (
              <li key={b.label} data-label={b.label} data-count={b.count}>
                <span className="data-bar-label">{b.label}</span>
                <span className="data-bar-track"><span className="data-bar" style={{ width: `${Math.round(b.share * 100)}%` }} /></span>
                <b>{b.count}</b>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted small">Nothing yet on channel “{def.channel}”.</p>
        ))}
      {view === 'number' && <p className="data-number">{result?.count ?? 0}</p>}
      {result?.avg != null && <p className="muted small">sum {result.sum} · average {result.avg.toFixed(2)}</p>}
    </Card>
  );
}

/** Live data on the stream page: a chart per window and the channels with their counters. */
export function StreamData({ name }: { name: string }) {
  const { windows, channels } = useStreamData(name);
  return (
    <div className="stream-data" data-testid="stream-data">
      <div className="charts">
        {windows.defs.map((def) => (
          <WindowCard key={def.id} def={def} result={windows.results[def.id]} timeline={windows.timelines[def.id]} />
        ))}
      </div>
      <Card title="Data channels" testId="data-channels">
        {channels && channels.length > 0 ? (
          <table className="table">
            <thead>
              <tr><th>Channel</th><th>Messages</th><th>Last seq</th><th>Subscribers</th><th>Dropped</th><th>Cut off</th><th>Last</th></tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c.channel} data-testid={`data-channel-${c.channel}`}>
                  <td>{c.channel}</td>
                  <td data-field="published">{c.published}</td>
                  <td>{c.lastSeq}</td>
                  <td>{c.subscribers}</td>
                  <td>{c.dropped}</td>
                  <td>{c.disconnected}</td>
                  <td className="muted">{c.lastAt ? new Date(c.lastAt).toLocaleTimeString() : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted small">No data yet: POST to /api/v1/streams/{name}/data/&lt;channel&gt;, or publish over WebSocket or MQTT.</p>
        )}
      </Card>
      <StreamBridges name={name} />
    </div>
  );
}
