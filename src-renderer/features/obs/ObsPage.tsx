import { useEffect } from 'react';
import { Card } from '../../ui/Card.js';
import { ConnectionsCard } from './ConnectionsCard.js';
import { connectionWords } from './obs-model.js';
import { OutputsCard } from './OutputsCard.js';
import { SceneGrid } from './SceneGrid.js';
import { SourcesCard } from './SourcesCard.js';
import { loadConnections, useObs } from './store.js';
import { TemplatesCard } from './TemplatesCard.js';
import { useNow } from '../recordings/use-now.js';

/** The remote for OBS Studio: connections, the scene grid, sources, outputs with live stats, templates. */
export function ObsPage() {
  const connection = useObs((s) => (s.selected ? s.connections[s.selected] : undefined));
  const now = useNow(connection?.state === 'disconnected');

  useEffect(() => {
    void loadConnections();
  }, []);

  return (
    <div className="obs-page" data-testid="obs-page">
      <ConnectionsCard />
      {connection && connection.state !== 'connected' && (
        <Card title={connection.label} testId="obs-offline">
          <p className="muted" data-testid="obs-offline-text">
            {connectionWords(connection, now).text}
            {connection.error ? ` — ${connection.error.message}` : ''}
          </p>
        </Card>
      )}
      {connection?.state === 'connected' && (
        <>
          <SceneGrid />
          <div className="obs-columns">
            <SourcesCard />
            <OutputsCard />
          </div>
          <TemplatesCard />
        </>
      )}
    </div>
  );
}
