import { describe, expect, it } from 'vitest';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { waitFor } from '../../test-support/wait.js';
import { ProvisionJobs } from './provision-jobs.js';

// The SSH target is a closed loopback port: every job fails at its first step, which is what the
// drain bookkeeping around it needs (provision.int.test.ts runs jobs against a real sshd).
const target = { host: '127.0.0.1', sshPort: 1, user: 'root', privateKey: 'not a key', root: '' };

function jobs() {
  const drained: string[] = [];
  const released: string[] = [];
  const audited: { action: string; target: string | null; result: string; detail: string | null }[] = [];
  const registry = [
    { id: 'e1', url: 'http://127.0.0.1:8081' },
    { id: 'e2', url: 'http://10.0.0.2:8081' },
  ];
  const service = new ProvisionJobs({
    bus: new EventBus(),
    logger: silentLogger(),
    bundleFile: () => import.meta.filename,
    unitTemplateFile: () => import.meta.filename,
    waitRegistered: async () => false,
    forgetEdge: () => undefined,
    edges: () => registry,
    drainFor: (id, why) => {
      drained.push(`${id}:${why}`);
      return { release: () => released.push(id) };
    },
    audit: { record: (entry) => audited.push(entry) },
  });
  return { service, drained, released, audited };
}

describe('ProvisionJobs drains the edge it works on', () => {
  it('an upgrade (provisioning a registered edge again) drains it while it runs, and releases it either way', async () => {
    const { service, drained, released } = jobs();
    const job = service.provision({ ...target, port: 8081, region: '', origin: 'http://o', cacheSize: '1g', token: 't' });
    expect(drained).toEqual(['e1:upgrade']);
    await waitFor('the job to fail', () => service.get(job.id).state === 'failed');
    expect(released).toEqual(['e1']);
    // A new edge (no registered edge at that URL): nothing to drain.
    service.provision({ ...target, host: '10.9.9.9', port: 8081, region: '', origin: 'http://o', cacheSize: '1g', token: 't' });
    expect(drained).toEqual(['e1:upgrade']);
  });

  it('a decommission drains its edge (by id, else by host) and keeps it drained when it fails', async () => {
    const { service, drained, released } = jobs();
    const job = service.decommission({ ...target, edgeId: 'e2' });
    service.decommission({ ...target });
    expect(drained).toEqual(['e2:decommission', 'e1:decommission']);
    await waitFor('the job to fail', () => service.get(job.id).state === 'failed');
    expect(released).toEqual([]);
  });
});

describe('ProvisionJobs audit', () => {
  it("records each job's outcome, with the step that failed", async () => {
    const { service, audited } = jobs();
    const job = service.decommission({ ...target, host: '10.9.9.9' });
    await waitFor('the job to fail', () => service.get(job.id).state === 'failed');
    expect(audited).toEqual([expect.objectContaining({ action: 'edge.decommission', target: 'root@10.9.9.9:1', result: 'failed', detail: service.get(job.id).failedStep ?? expect.any(String) })]);
  });
});
