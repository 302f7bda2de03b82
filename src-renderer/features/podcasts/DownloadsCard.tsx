import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DownloadReport, Show } from '../../../src-shared/contract/index.js';
import { call, toClientError } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { downloadChart, excludedLine } from './downloads-model.js';
import { DownloadsChart } from './DownloadsChart.js';
import { usePodcasts } from './store.js';

/** Downloads are counted from the logs as they come: asked again this often while the page is open. */
const REFRESH_MS = 60_000;

function useDownloads(showId: string) {
  const [report, setReport] = useState<DownloadReport | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const refresh = useCallback(
    () =>
      call('podcasts.downloads', { id: showId }).then(
        (r) => (setReport(r), setFailed(null)),
        (err: unknown) => setFailed(toClientError(err).message),
      ),
    [showId],
  );
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return { report, failed, refresh };
}

/** The last 30 days of downloads (IAB rules), per day and per episode, with what the rules left out. */
export function DownloadsCard({ show }: { show: Show }) {
  const { report, failed, refresh } = useDownloads(show.id);
  const episodes = usePodcasts((s) => s.episodes[show.id]);
  const titles = useMemo(() => Object.fromEntries((episodes ?? []).map((e) => [e.id, e.title])), [episodes]);
  // An episode another client added is not in the list yet: the list is asked for once per report, and
  // until it is back such an episode is not called deleted.
  const [listedFor, setListedFor] = useState<DownloadReport | null>(null);
  const unknown = listedFor === report ? 'A deleted episode' : 'An episode';
  const chart = useMemo(() => (report ? downloadChart(report, titles, () => unknown) : null), [report, titles, unknown]);
  useEffect(() => {
    if (!report || !episodes) return;
    if (!report.totals.some((t) => !(t.episode in titles))) return setListedFor(report);
    void usePodcasts.getState().loadEpisodes(show.id).finally(() => setListedFor(report));
  }, [report]);
  return (
    <Card
      title={<>Downloads <span className="muted">last 30 days</span></>}
      testId="show-downloads"
      actions={
        <button className="icon-button" aria-label="Refresh" title="Refresh" data-testid="downloads-refresh" onClick={() => void refresh()}>
          <Icon name="refresh" size={16} />
        </button>
      }
    >
      {!report || !chart ? (
        <p className="muted small">{failed ? `Could not load the downloads: ${failed}` : 'Loading…'}</p>
      ) : chart.total === 0 ? (
        <div className="podcasts-empty podcasts-empty-small" data-testid="downloads-empty">
          <strong>No downloads yet</strong>
          <span className="muted">
            Each listener's download of an episode counts once a day, by the IAB podcast measurement rules, whether from this host or its edges.
          </span>
          <span className="muted small" data-testid="downloads-excluded">{excludedLine(report)}</span>
        </div>
      ) : (
        <>
          <DownloadsChart chart={chart} />
          <table className="table downloads-legend" data-testid="downloads-totals">
            <tbody>
              {chart.series.map((s) => (
                <tr key={s.key} data-episode={s.key}>
                  <td><span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />{s.label}</td>
                  <td className="num">{s.total.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td>All episodes</td>
                <td className="num" data-testid="downloads-total">{chart.total.toLocaleString('en-US')}</td>
              </tr>
            </tfoot>
          </table>
          <p className="muted small downloads-excluded" data-testid="downloads-excluded">
            {excludedLine(report)}. A listener counts once a day per episode; byte ranges are merged and a download needs a minute of audio.
          </p>
        </>
      )}
    </Card>
  );
}
