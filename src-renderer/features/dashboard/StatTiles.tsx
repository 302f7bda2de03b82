import type { ReactNode } from 'react';
import type { SystemStats } from '../../../src-shared/contract/index.js';
import { formatBytes, formatDuration, formatPercent } from './format.js';

function Tile(props: { testId: string; label: string; value: ReactNode; sub?: ReactNode; meter?: number }) {
  return (
    <div className="tile" data-testid={props.testId}>
      <div className="tile-label">{props.label}</div>
      <div className="tile-value" data-testid={`${props.testId}-value`}>{props.value}</div>
      {props.meter !== undefined && (
        <div className="meter" aria-hidden="true">
          <div className="meter-fill" style={{ width: `${Math.min(100, Math.max(0, props.meter))}%` }} />
        </div>
      )}
      {props.sub !== undefined && <div className="tile-sub">{props.sub}</div>}
    </div>
  );
}

export function StatTiles({ stats }: { stats: SystemStats | null }) {
  const s = stats;
  const memPercent = s && s.memory.totalBytes > 0 ? (s.memory.usedBytes / s.memory.totalBytes) * 100 : undefined;
  return (
    <div className="tiles">
      <Tile
        testId="stat-cpu"
        label="CPU"
        value={formatPercent(s?.cpu.loadPercent)}
        meter={s?.cpu.loadPercent ?? 0}
        sub={s ? `user ${s.cpu.userPercent.toFixed(0)} % · sys ${s.cpu.systemPercent.toFixed(0)} % · ${s.cpu.cores.length} cores` : 'waiting for a sample'}
      />
      <Tile
        testId="stat-memory"
        label="Memory used"
        value={formatBytes(s?.memory.usedBytes)}
        meter={memPercent ?? 0}
        sub={s ? `of ${formatBytes(s.memory.totalBytes)} (${formatPercent(memPercent, 0)}) · swap ${formatBytes(s.memory.swapUsedBytes)}` : undefined}
      />
      <Tile
        testId="stat-load"
        label="Load average"
        value={s ? s.cpu.loadAvg[0].toFixed(2) : '—'}
        sub={s ? `1 min · 5 min ${s.cpu.loadAvg[1].toFixed(2)} · 15 min ${s.cpu.loadAvg[2].toFixed(2)}` : '1 · 5 · 15 minutes'}
      />
      <Tile
        testId="stat-processes"
        label="Processes"
        value={s ? s.processes.all : '—'}
        sub={s ? `${s.processes.running} running · ${s.processes.blocked} blocked` : undefined}
      />
      <Tile
        testId="stat-host-rss"
        label="Host memory (RSS)"
        value={formatBytes(s?.host.rssBytes)}
        sub={s ? `heap ${formatBytes(s.host.heapUsedBytes)} · CPU ${formatPercent(s.host.cpuPercent, 0)}` : undefined}
      />
      <Tile testId="stat-host-uptime" label="Host uptime" value={formatDuration(s?.host.uptimeSec)} sub={s ? `pid ${s.host.pid}` : undefined} />
      <Tile
        testId="stat-children"
        label="Child processes"
        value={s ? s.host.children : '—'}
        sub="ffmpeg, Xvfb, OBS, nginx"
      />
    </div>
  );
}
