import type { EdgeDownloadRecord } from '../../src-shared/contract/cdn.js';
import type { CdnHandlerDeps } from '../api/handlers-cdn.js';
import type { AuditPort } from '../auth/types.js';
import { EdgeRegistry } from '../cdn/edge-registry.js';
import { edgeSocketRoutes } from '../cdn/edge-socket.js';
import { ProvisionJobs } from '../cdn/provision-jobs.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/lifecycle.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { StreamService } from '../media/stream-service.js';
import { playbackPaths, type UrlSigner } from '../protocols/signing.js';
import type { RecordingService } from '../recorder/recording-service.js';
import { signedDownloadPath, signedPlaybackPaths } from '../recorder/routes.js';
import { StudioError } from '../core/errors.js';
import type { Db } from '../store/db.js';
import { EdgeStore } from '../store/edges.js';
import { FunctionStore } from '../store/cdn-functions.js';
import { EdgeFunctions } from '../cdn/edge-functions.js';
import { checkFunction } from '../cdn/function-check.js';
import type { ChildRegistry } from '../core/children.js';
import { edgeBundleFile, edgeUnitTemplateFile } from './edge-provision.js';
import { runnerBundleFile, runnerUnitTemplateFile } from './runner-provision.js';
import { monotonicMs } from '../core/clock.js';

/** Wires the origin side of the edge fleet (part of the studio composition root). */
export function wireCdn(deps: {
  db: Db;
  bus: EventBus;
  logger: Logger;
  signer: UrlSigner;
  streams: StreamService;
  recordings: Pick<RecordingService, 'get'>;
  apiToken: string;
  /** Runs nginx -t on edge functions before any edge sees them. */
  children: ChildRegistry;
  /** The host's JWT keys, pushed to the edges with the URL-signing keys (read by the time edges connect). */
  jwtKeys?: () => { kid: string; secret: string }[];
  /** Where provisioning outcomes go. */
  audit?: Pick<AuditPort, 'record'>;
  /** The edges' podcast download lines (the podcasts are wired after the CDN, so asked lazily). */
  onDownloads?: (edgeId: string, records: EdgeDownloadRecord[]) => void;
  /** Runners, provisioned over SSH as edges are. */
  runners?: { list(): { name: string }[]; remove(id: string): boolean };
}): {
  registry: EdgeRegistry;
  jobs: ProvisionJobs;
  handlers: CdnHandlerDeps;
  services: Service[];
  plugins: HttpPlugin[];
} {
  const registry = new EdgeRegistry({
    store: new EdgeStore(deps.db),
    keys: () => ({ ...deps.signer.verifyingKeys(), ...(deps.jwtKeys ? { jwt: deps.jwtKeys() } : {}) }),
    logger: deps.logger.child({ service: 'cdn' }),
    bus: deps.bus,
    ...(deps.onDownloads ? { onDownloads: deps.onDownloads } : {}),
  });
  const functions = new EdgeFunctions({
    store: new FunctionStore(deps.db),
    registry,
    check: (spec) => checkFunction(spec, { children: deps.children }),
    bus: deps.bus,
    logger: deps.logger.child({ service: 'edge-functions' }),
    ...(deps.audit ? { audit: deps.audit } : {}),
  });
  const jobs = new ProvisionJobs({
    bus: deps.bus,
    logger: deps.logger.child({ service: 'provision' }),
    bundleFile: edgeBundleFile,
    unitTemplateFile: edgeUnitTemplateFile,
    waitRegistered: async (id, timeoutMs) => (await registry.waitInRotation(id, timeoutMs)) === null,
    forgetEdge: (id) => registry.remove(id),
    edges: () => registry.list(),
    drainFor: (id, why) => registry.drainFor(id, why),
    audit: deps.audit,
    ...(deps.runners ? { runners: runnerProvisioning(deps.runners) } : {}),
  });
  return {
    registry,
    jobs,
    handlers: {
      edges: () => registry.list(),
      removeEdge: (id) => registry.remove(id),
      purge: (request) => registry.purge(request),
      setDraining: (id, draining) => registry.setDraining(id, draining),
      playbackPaths: (name) => {
        const stream = deps.streams.get(name);
        return { ...playbackPaths(name), private: stream.private };
      },
      verifySignature: (name, query, remoteIp) => deps.signer.verify(name, query, remoteIp),
      recordingDownloadPath: (id, expiresInSec) => {
        const recording = deps.recordings.get(id);
        if (recording.state !== 'complete') throw new StudioError('CONFLICT', `recording "${id}" is ${recording.state}: only a complete recording can be downloaded`, { id });
        return signedDownloadPath(deps.signer, recording, expiresInSec);
      },
      recordingPlaybackPaths: (id, expiresInSec) => {
        const recording = deps.recordings.get(id);
        if (recording.vod.state !== 'ready') throw new StudioError('CONFLICT', `recording "${id}" has no VOD (${recording.vod.state}): convert it first (POST /api/v1/recordings/${id}/vod)`, { id });
        return signedPlaybackPaths(deps.signer, id, expiresInSec);
      },
      signQuery: (name, expiresInSec) => new URLSearchParams(Object.entries(deps.signer.sign(name, { expiresInSec }))).toString(),
      provision: (input) => jobs.provision({ ...input, token: deps.apiToken }),
      decommission: (input) => jobs.decommission(input),
      job: (id) => jobs.get(id),
      functions,
    },
    services: [registry],
    plugins: [edgeSocketRoutes(registry)],
  };
}

/** What provisioning a runner needs: its files, and the pool to see it connect (or disconnect it). */
function runnerProvisioning(pool: { list(): { name: string }[]; remove(id: string): boolean }) {
  return {
    bundleFile: runnerBundleFile,
    unitTemplateFile: runnerUnitTemplateFile,
    waitConnected: async (name: string, timeoutMs: number): Promise<boolean> => {
      const deadline = monotonicMs() + timeoutMs;
      for (;;) {
        if (pool.list().some((r) => r.name === name)) return true;
        if (monotonicMs() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    remove: (id: string) => void pool.remove(id),
  };
}
