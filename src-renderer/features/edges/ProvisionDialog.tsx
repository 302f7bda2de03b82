import { useState, type FormEvent } from 'react';
import type { EdgeInfo, ProvisionJob } from '../../../src-shared/contract/index.js';
import { Modal } from '../../ui/Modal.js';
import { useEdges, type SshForm } from './store.js';

const STATUS_MARK: Record<string, string> = { running: '…', done: '✓', skipped: '–', failed: '✗' };

export function JobSteps({ job }: { job: ProvisionJob }) {
  return (
    <div data-testid="job-steps">
      <ol className="job-steps">
        {job.steps.map((s) => (
          <li key={s.id} data-testid={`job-step-${s.id}`} className={`job-step job-step-${s.status}`}>
            <span aria-label={s.status}>{STATUS_MARK[s.status]}</span> {s.title}
            {s.message && <span className="muted"> — {s.message}</span>}
            {s.status === 'failed' && s.log && <pre className="job-log">{s.log}</pre>}
          </li>
        ))}
      </ol>
      <p data-testid="job-state">
        {job.state === 'running' ? 'Working…' : job.state === 'done' ? 'Done.' : `Failed at “${job.failedStep}”: ${job.error}. Fix it and run again; finished steps are skipped.`}
      </p>
    </div>
  );
}

/** Where to reach a server over SSH: host, user, port and the private key (the same for edges and runners). */
export function SshFields({ form, set, placeholder }: { form: SshForm; set(key: keyof SshForm, value: string | number): void; placeholder: string }) {
  return (
    <>
      <label className="field-label" htmlFor="pv-host">Server</label>
      <input id="pv-host" className="input" data-testid="provision-host" placeholder={placeholder} value={form.host} onChange={(e) => set('host', e.target.value)} />
      <label className="field-label" htmlFor="pv-user">SSH user and port</label>
      <div className="row">
        <input id="pv-user" className="input" data-testid="provision-user" value={form.user} onChange={(e) => set('user', e.target.value)} />
        <input className="input" type="number" aria-label="SSH port" data-testid="provision-ssh-port" value={form.sshPort} onChange={(e) => set('sshPort', Number(e.target.value))} />
      </div>
      <label className="field-label" htmlFor="pv-key">Private key</label>
      <textarea id="pv-key" className="input" rows={4} data-testid="provision-key" placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" value={form.privateKey} onChange={(e) => set('privateKey', e.target.value)} />
      <div className="field-hint">Used for this job only, never stored.</div>
    </>
  );
}

/** Provision (or, with `edge`, decommission) over SSH; then shows the job's steps live. */
export function ProvisionDialog({ edge, onClose }: { edge?: EdgeInfo; onClose(): void }) {
  const { provision, decommission } = useEdges.getState();
  const jobs = useEdges((s) => s.jobs);
  const [jobId, setJobId] = useState<string | null>(null);
  const [form, setForm] = useState<SshForm & { port: number; region: string }>({
    host: edge ? new URL(edge.url).hostname : '', sshPort: 22, user: 'root', privateKey: '', port: 8081, region: '',
  });
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm((f) => ({ ...f, [key]: value }));
  const job = jobId ? jobs[jobId] : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const started = edge ? await decommission({ ...form, edgeId: edge.id }) : await provision(form);
    if (started) setJobId(started.id);
  };

  return (
    <Modal title={edge ? `Decommission ${edge.id}` : 'Provision an edge'} testId="provision-dialog" onClose={onClose} wide>
      {job ? (
        <JobSteps job={job} />
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
          <SshFields form={form} set={(key, value) => setForm((f) => ({ ...f, [key]: value }))} placeholder="edge1.example.com" />
          {!edge && (
            <>
              <label className="field-label" htmlFor="pv-port">Edge HTTP port and region</label>
              <div className="row">
                <input id="pv-port" className="input" type="number" data-testid="provision-port" value={form.port} onChange={(e) => set('port', Number(e.target.value))} />
                <input className="input" aria-label="Region" placeholder="eu-west" data-testid="provision-region" value={form.region} onChange={(e) => set('region', e.target.value)} />
              </div>
            </>
          )}
          <button className={`button ${edge ? 'danger' : 'primary'}`} type="submit" data-testid="provision-submit">
            {edge ? 'Stop and remove everything' : 'Provision'}
          </button>
        </form>
      )}
    </Modal>
  );
}
