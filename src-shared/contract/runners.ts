import { z } from 'zod';
import { provisionJobSchema, sshTargetInput } from './cdn.js';
import { event, method } from './define.js';

/**
 * Transcoding runners: `streams runner` processes elsewhere that lease library jobs from the origin's
 * queue over one WebSocket, fetch the source over HTTP (resumable, checked against its SHA-256), run the
 * same processor as the origin with their own ffmpeg, and hand the outputs back over tus.
 */

/** The runner's persistent connection (under /api/v1: a token with runners:write). */
export const RUNNER_SOCKET_PATH = '/api/v1/runners/socket';
/**
 * A lease's own capability, outside /api/v1 (its secret is the bearer): `GET <base>/<lease>/source`
 * (Range allowed). The outputs go to the tus endpoint `RUNNER_UPLOADS_PATH` with the same bearer.
 */
export const RUNNER_LEASE_PATH = '/runner-leases';
export const RUNNER_UPLOADS_PATH = '/guest-uploads';
/** Kinds of job a runner can run (the origin keeps every other kind). */
export const RUNNER_JOB_KINDS = ['process'] as const;

const id = z.string().min(1).max(64);

export const runnerJobSchema = z.object({
  jobId: z.string().describe("The job's id, or the lease's for a live ladder"),
  subject: z.string().describe('What the job works on (a video id, or "live:<stream>" for a live ladder)'),
  progress: z.number().min(0).max(1),
  step: z.string().nullable(),
  leasedAt: z.number().describe('Unix ms the lease was given'),
});

export const runnerSchema = z.object({
  id,
  name: z.string().max(100),
  address: z.string().describe('Where the runner connected from'),
  version: z.string().max(40),
  slots: z.number().int().min(1).max(16).describe('Jobs it runs at once'),
  cores: z.number().int().min(1),
  encoders: z.array(z.string().max(40)).max(64).describe('Video encoders its ffmpeg has (probed on the runner)'),
  ffmpeg: z.string().max(200).describe("Its ffmpeg's version line"),
  load: z.number().min(0).nullable().describe('CPU load of the runner, 0..1 of all its cores; null until its first heartbeat'),
  jobs: z.array(runnerJobSchema),
  done: z.number().int().min(0).describe('Jobs it finished since it connected'),
  failed: z.number().int().min(0).describe('Jobs it failed, lost or returned bad outputs for since it connected'),
  connectedAt: z.number(),
  lastSeenAt: z.number(),
  draining: z.boolean().describe('Takes no new job (the autoscaler is removing it); its jobs finish'),
});
export type RunnerInfo = z.infer<typeof runnerSchema>;

/** A runner or an edge the autoscaler added: where it runs and where it stands. */
export const scalingMemberSchema = z.object({
  id: z.string(),
  role: z.enum(['runner', 'edge']),
  name: z.string().describe('The runner name it registers under, or the edge\'s name in the scaler'),
  source: z.enum(['pool', 'provider']).describe('A machine of scaling.sshHosts, or one the provider command created'),
  target: z.string().describe('user@host:port it was installed over'),
  providerId: z.string().nullable().describe("The provider's id of the machine (destroyed after decommission)"),
  state: z.enum(['provisioning', 'ready', 'draining', 'removing']),
  runnerId: z.string().nullable().describe('Its id in GET /runners once connected (a runner)'),
  edgeId: z.string().nullable().describe('Its id in GET /cdn/edges once registered (an edge)'),
  since: z.number().describe('Unix ms of its last state change'),
});
export const scalingDecisionSchema = z.object({
  at: z.number(),
  role: z.enum(['runner', 'edge']),
  action: z.enum(['add', 'ready', 'remove', 'removed', 'failed']),
  member: z.string().nullable(),
  reason: z.string(),
});
export const scalingSampleSchema = z.object({
  at: z.number(),
  runners: z.number().int().describe('Runners connected'),
  slots: z.number().int().describe('Their slots (capacity)'),
  busy: z.number().int().describe('Slots with a job or a live ladder'),
  waiting: z.number().int().describe('Jobs in the queue a runner could take'),
  edges: z.number().int().describe('Edges in rotation taking new viewers'),
  edgeCores: z.number().int().describe('Their cores (capacity: edgeCores x the target)'),
  edgeMbps: z.number().describe('Traffic of every edge in rotation (draining ones too), Mbit/s over the last minute'),
});
export const scalingStatusSchema = z.object({
  enabled: z.boolean(),
  min: z.number().int(),
  max: z.number().int(),
  queueWaitSeconds: z.number().int(),
  idleSeconds: z.number().int(),
  cooldownSeconds: z.number().int(),
  poolSize: z.number().int().describe('Machines in scaling.sshHosts'),
  provider: z.boolean().describe('A provider command is set'),
  backoffUntil: z.number().nullable().describe('Unix ms until which no machine is added after a failure'),
  lastReason: z.string().describe('What the last look decided and why ("steady", "2 jobs waiting, …")'),
  edges: z
    .object({
      enabled: z.boolean(),
      min: z.number().int(),
      max: z.number().int(),
      targetMbps: z.number().int().describe('Per edge core'),
      drainSeconds: z.number().int(),
      backoffUntil: z.number().nullable(),
      lastReason: z.string(),
    })
    .describe("The edges' policy (config scaling.edge*) and its last look"),
  members: z.array(scalingMemberSchema),
  decisions: z.array(scalingDecisionSchema).describe('The newest first (the last 50)'),
  samples: z.array(scalingSampleSchema).describe('Load against capacity, one sample per tick (the last hour), oldest first'),
});
export type ScalingStatus = z.infer<typeof scalingStatusSchema>;
export type ScalingMember = z.infer<typeof scalingMemberSchema>;
export type ScalingDecision = z.infer<typeof scalingDecisionSchema>;

export const runnerEvents = {
  'runners.changed': event({ summary: 'A runner connected, left, took or finished a job', payload: z.array(runnerSchema) }),
  'scaling.changed': event({ summary: 'The autoscaler decided, or one of its runners or edges changed state (samples left out: GET /scaling has them)', payload: scalingStatusSchema }),
};

export const runnerProvisionInputSchema = z
  .object({
    ...sshTargetInput,
    name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9 ._-]+$/, 'letters, digits, space, dot, dash, underscore').optional().describe('Its name in the list (default: the SSH host)'),
    slots: z.number().int().min(0).max(16).default(0).describe('Jobs at once; 0: one per 2 cores of the server'),
    origin: z.string().url().optional().describe('How the runner reaches this host (default: the URL of this request)'),
  })
  .strict();
export const runnerDecommissionInputSchema = z.object({ ...sshTargetInput, runnerId: id.optional().describe('Also disconnect this runner at once') }).strict();

export const runnerMethods = {
  'runners.list': method({
    tag: 'runners',
    scope: 'runners:read',
    summary: 'Connected transcoding runners with their jobs, load, encoders and version',
    input: z.object({}).strict(),
    output: z.array(runnerSchema),
    http: { method: 'GET', path: '/runners' },
  }),
  'runners.remove': method({
    tag: 'runners',
    scope: 'runners:write',
    summary: 'Disconnect a runner: its jobs go back to the queue at once (it connects again if its process still runs)',
    input: z.object({ id }).strict(),
    output: z.object({ removed: z.boolean() }),
    http: { method: 'DELETE', path: '/runners/:id' },
  }),
  'scaling.status': method({
    tag: 'runners',
    scope: 'runners:read',
    summary: "The autoscaler of runners and edges: its policies (config scaling.*), the runners and edges it added, its recent decisions with their reasons, and load against capacity",
    input: z.object({}).strict(),
    output: scalingStatusSchema,
    http: { method: 'GET', path: '/scaling' },
  }),
  'runners.provision': method({
    tag: 'runners',
    scope: 'runners:write',
    summary: 'Install (or upgrade) a runner on a Debian/Ubuntu server over SSH with a new runners:write token of the caller; progress as cdn.provision events, the job at GET /cdn/jobs/:id',
    input: runnerProvisionInputSchema,
    output: provisionJobSchema,
    http: { method: 'POST', path: '/runners/provision', status: 202 },
  }),
  'runners.decommission': method({
    tag: 'runners',
    scope: 'runners:write',
    summary: 'Stop a provisioned runner and remove what provisioning installed; progress as cdn.provision events',
    input: runnerDecommissionInputSchema,
    output: provisionJobSchema,
    http: { method: 'POST', path: '/runners/decommission', status: 202 },
  }),
};

/** What a job asks of a runner (kind `process`: a library video's processing). */
export const runnerJobSpecSchema = z.object({
  preset: z.enum(['fast', 'balanced', 'high']),
  normalizeLoudness: z.boolean(),
  durationSec: z.number().min(0).nullable(),
});

/** Runner -> origin. */
export type RunnerClientMessage =
  | { type: 'hello'; name: string; version: string; clock: number; slots: number; cores: number; encoders: string[]; ffmpeg: string }
  | { type: 'heartbeat'; load: number | null; leases: string[] }
  | { type: 'progress'; lease: string; value: number; step: string | null }
  | { type: 'result'; lease: string; uploadId: string }
  | { type: 'failed'; lease: string; code: string; message: string; retry: boolean };

/** Origin -> runner. */
export type RunnerServerMessage =
  | { type: 'welcome'; id: string; leaseMs: number; heartbeatMs: number }
  | { type: 'refused'; code: 'RUNNER_VERSION' | 'RUNNER_CLOCK' | 'BAD_REQUEST'; message: string }
  | {
      type: 'job';
      lease: string;
      /** The lease's bearer for its source and its upload. */
      secret: string;
      jobId: string;
      kind: (typeof RUNNER_JOB_KINDS)[number];
      spec: z.infer<typeof runnerJobSpecSchema>;
      source: { path: string; size: number; sha256: string; name: string };
    }
  | { type: 'cancel'; lease: string; reason: string }
  | { type: 'resultAck'; lease: string; ok: boolean; error?: { code: string; message: string } }
  | {
      /** Run a live stream's ladder: connect `path` (a WebSocket, the lease's secret as bearer), run ffmpeg with `args` on the FLV it sends, send back each track. */
      type: 'live';
      lease: string;
      secret: string;
      stream: string;
      args: string[];
      tracks: number;
      path: string;
    };

/**
 * The live ladder's socket, `<RUNNER_LEASE_PATH>/<lease>/live`. Origin -> runner: binary messages are
 * the stream's FLV, in order; the text message `end` ends ffmpeg's input (it finishes its output).
 * Runner -> origin: binary messages whose first byte names the channel (a track number, or one below),
 * then a text message `{"type":"exit","code":..,"signal":..}` when ffmpeg has exited. Closing the
 * socket from either side ends the run (the runner kills its ffmpeg).
 */
export const LIVE_CHANNEL = { progress: 0xff, stderr: 0xfe } as const;
export const liveLadderPath = (lease: string): string => `${RUNNER_LEASE_PATH}/${lease}/live`;

/** Close codes of the runner socket. */
export const RUNNER_CLOSE = { refused: 4003, removed: 4004, replaced: 4009 } as const;
