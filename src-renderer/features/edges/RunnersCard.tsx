import { useEffect, useState } from 'react';
import type { RunnerInfo } from '../../../src-shared/contract/index.js';
import { useSession } from '../../app/session-store.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { CopyField } from '../../ui/CopyButton.js';
import { useLibrary } from '../library/store.js';
import { useNow } from '../recordings/use-now.js';
import { Icon } from '../../ui/Icon.js';
import { RunnerList } from './RunnerList.js';
import { RunnerProvisionDialog } from './RunnerProvisionDialog.js';
import { fleetLine, runnerCommand, runnerOrigin, runnerProvisionCommand } from './runners-model.js';
import { useRunners } from './runners-store.js';

/** Transcoding runners: who is connected and what each works on; how to add one when there is none. */
export function RunnersCard() {
  const runners = useRunners((s) => s.runners);
  const loaded = useRunners((s) => s.loaded);
  const videos = useLibrary((s) => s.videos);
  const now = useNow(true, 1000);
  const [removing, setRemoving] = useState<RunnerInfo | null>(null);
  const [dialog, setDialog] = useState<{ runner?: RunnerInfo } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void useRunners.getState().load();
  }, []);

  const remove = (runner: RunnerInfo) => {
    setBusy(true);
    void useRunners.getState().remove(runner.id).then(() => {
      setBusy(false);
      setRemoving(null);
    });
  };

  return (
    <Card
      title={<>Runners <span className="muted">{runners.length || ''}</span></>}
      testId="runners-card"
      actions={
        <div className="runners-actions">
          {runners.length > 0 && <span className="muted small" data-testid="runners-summary">{fleetLine(runners)}</span>}
          <button className="button primary" data-testid="runner-provision-open" onClick={() => setDialog({})}>
            <Icon name="plus" size={16} /> Provision a runner
          </button>
        </div>
      }
    >
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : runners.length === 0 ? (
        <div className="runners-empty" data-testid="runners-empty">
          <p>
            <strong>No runners connected.</strong> A runner is another machine that processes library videos with its own ffmpeg and
            encoders, so that this host does not have to.
          </p>
          <AddRunnerSteps />
        </div>
      ) : (
        <>
          <RunnerList runners={runners} videos={videos} now={now} onRemove={setRemoving} onDecommission={(runner) => setDialog({ runner })} />
          <details className="details runners-add" data-testid="runners-add">
            <summary data-testid="runners-add-toggle">Add another runner</summary>
            <AddRunnerSteps />
          </details>
        </>
      )}
      {dialog && <RunnerProvisionDialog {...(dialog.runner ? { runner: dialog.runner } : {})} onClose={() => setDialog(null)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove runner"
          danger
          busy={busy}
          onCancel={() => setRemoving(null)}
          onConfirm={() => remove(removing)}
        >
          <p>
            It is disconnected at once, and {removing.jobs.length === 0 ? 'it has no job running.' : `its ${removing.jobs.length === 1 ? 'job goes' : `${removing.jobs.length} jobs go`} back to the queue.`}{' '}
            If its <code>streams runner</code> process still runs, it connects again by itself: stop that process on {removing.address} to keep it away.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}

function AddRunnerSteps() {
  const hostUrl = useSession((s) => s.info?.url);
  const origin = runnerOrigin(window.location, hostUrl);
  const command = runnerCommand(origin);
  const provisionCommand = runnerProvisionCommand(origin);
  return (
    <ol className="steps runners-steps">
      <li>
        On the <a href="#/access" data-testid="runners-access-link">Access</a> page, make an API token with <strong>Runners (transcoding)</strong> set
        to write (the <code>runners:write</code> scope).
      </li>
      <li>
        On the other machine (Streams Studio and ffmpeg installed, this host reachable), run it with that token:
        <CopyField value={command} testId="runners-command" copyTestId="runners-command-copy" />
        Or install it on a Debian or Ubuntu server over SSH with <strong>Provision a runner</strong> above (ffmpeg, Node and a
        service; the runner gets a token of its own), or from a machine with Streams Studio installed:
        <CopyField value={provisionCommand} testId="runners-provision-command" copyTestId="runners-provision-copy" />
      </li>
      <li className="muted">
        It shows here within seconds and takes videos from the queue. To leave every video to the runners, turn off{' '}
        <a href="#/settings" data-testid="runners-settings-link">Process on origin</a> under Video library in Settings.
      </li>
    </ol>
  );
}
