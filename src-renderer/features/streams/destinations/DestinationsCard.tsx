import { useEffect, useMemo } from 'react';
import type { Stream } from '../../../../src-shared/contract/index.js';
import { Card } from '../../../ui/Card.js';
import { DestinationForm } from './DestinationForm.js';
import { DestinationRow } from './DestinationRow.js';
import { sortDestinations } from './format.js';
import { useDestinations, watchDestinations } from './store.js';

const NO_IDS: string[] = [];

/** Restreaming: the platforms this stream is relayed to, each with its own live state, and the form to add one. */
export function DestinationsCard({ stream }: { stream: Stream }) {
  const { name } = stream;
  const destinations = useDestinations((s) => s.byStream[name]);
  const sorted = useMemo(() => sortDestinations(destinations), [destinations]);
  const renditionIds = useMemo(() => stream.live?.renditions.map((r) => r.id) ?? NO_IDS, [stream.live]);

  useEffect(() => watchDestinations(name), [name]);

  return (
    <Card title={<>Destinations <span className="muted">{sorted.length || ''}</span></>} testId="destinations">
      <div className="destinations-grid">
        {!destinations ? (
          <p className="muted">Loading…</p>
        ) : sorted.length === 0 ? (
          <p className="muted" data-testid="destinations-empty">
            Relay this stream to YouTube, Twitch, Kick, Facebook or any RTMP/SRT server: add a destination with its stream key.
          </p>
        ) : (
          <ul className="destination-list">
            {sorted.map((d) => (
              <DestinationRow key={d.id} destination={d} streamLive={stream.state === 'live'} />
            ))}
          </ul>
        )}
        <DestinationForm name={name} renditions={renditionIds} />
      </div>
    </Card>
  );
}
