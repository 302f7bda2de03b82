import { useState, type FormEvent } from 'react';
import type { RunnerInfo } from '../../../src-shared/contract/index.js';
import { Modal } from '../../ui/Modal.js';
import { JobSteps, SshFields } from './ProvisionDialog.js';
import { useEdges, type SshForm } from './store.js';

/**
 * Installs a runner on a Debian/Ubuntu server over SSH (or, with `runner`, stops and removes one);
 * then shows the job's steps live. The host makes the runner a token of its own (runners:write only).
 */
export function RunnerProvisionDialog({ runner, onClose }: { runner?: RunnerInfo; onClose(): void }) {
  const jobs = useEdges((s) => s.jobs);
  const [jobId, setJobId] = useState<string | null>(null);
  const [form, setForm] = useState<SshForm & { name: string; slots: number }>({
    host: runner?.address ?? '', sshPort: 22, user: 'root', privateKey: '', name: '', slots: 0,
  });
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm((f) => ({ ...f, [key]: value }));
  const job = jobId ? jobs[jobId] : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { name, slots, ...ssh } = form;
    const { provisionRunner, decommissionRunner } = useEdges.getState();
    const started = runner ? await decommissionRunner({ ...ssh, runnerId: runner.id }) : await provisionRunner({ ...ssh, slots, ...(name.trim() ? { name: name.trim() } : {}) });
    if (started) setJobId(started.id);
  };

  return (
    <Modal title={runner ? `Decommission ${runner.name}` : 'Provision a runner'} testId="runner-provision-dialog" onClose={onClose} wide>
      {job ? (
        <JobSteps job={job} />
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
          <SshFields form={form} set={(key, value) => setForm((f) => ({ ...f, [key]: value }))} placeholder="render1.example.com" />
          {!runner && (
            <>
              <label className="field-label" htmlFor="rp-name">Name and slots</label>
              <div className="row">
                <input id="rp-name" className="input" data-testid="runner-provision-name" placeholder="the server's name" value={form.name} onChange={(e) => set('name', e.target.value)} />
                <input className="input" type="number" min={0} max={16} aria-label="Slots" data-testid="runner-provision-slots" value={form.slots} onChange={(e) => set('slots', Number(e.target.value))} />
              </div>
              <div className="field-hint">Slots: jobs at once; 0 gives one per 2 cores of the server. ffmpeg and Node come from its packages.</div>
            </>
          )}
          <button className={`button ${runner ? 'danger' : 'primary'}`} type="submit" data-testid="runner-provision-submit">
            {runner ? 'Stop and remove everything' : 'Provision'}
          </button>
        </form>
      )}
    </Modal>
  );
}
