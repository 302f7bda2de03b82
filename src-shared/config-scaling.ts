import { z } from 'zod';
import { int, splitList } from './config-auth.js';
import { CACHE_SIZE_PATTERN, EDGE_REGION_PATTERN } from './contract/cdn.js';

/** `user@host[:port]`, as the SSH pool lists machines (groups: user, host, port). */
export const SSH_HOST_PATTERN = /^([A-Za-z0-9._-]{1,64})@([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:]{2,45}\])(?::(\d{1,5}))?$/;

/** Config of the autoscaling of runners and edges (runners/autoscaler.ts; merged into configSchema). */
export const scalingConfigSchema = z
  .object({
    runners: z
      .boolean()
      .default(false)
      .meta({ description: 'Add transcoding runners when jobs wait and remove the ones it added once idle, within runnersMin and runnersMax, from the SSH pool, then the provider.' }),
    runnersMin: int(0, 100).default(0).meta({ description: 'Runners the scaler keeps at least (connected ones count, whoever started them).' }),
    runnersMax: int(0, 100).default(4).meta({ description: 'Runners the scaler never goes above (connected ones count).' }),
    queueWaitSeconds: int(1, 3600)
      .default(30)
      .meta({ description: 'A runner is added when a job a runner could take has waited this long and no runner slot is free.' }),
    idleSeconds: int(10, 86_400)
      .default(300)
      .meta({ description: 'A runner the scaler added that had no job this long (and none waits) is drained, decommissioned and given back.' }),
    cooldownSeconds: int(0, 3600).default(120).meta({ description: 'Least time between two scaling actions.' }),
    runnerSlots: int(0, 16).default(0).meta({ description: 'Slots of a runner the scaler adds; 0: one per 2 cores of its machine.' }),
    sshHosts: z
      .string()
      .max(4096, 'must be at most 4096 characters')
      .refine((v) => splitList(v).every((h) => SSH_HOST_PATTERN.test(h)), 'each machine is user@host or user@host:port, separated by commas or spaces')
      .default('')
      .meta({ description: 'Machines the scaler may install runners and edges on, first: user@host[:port], separated by commas or spaces.' }),
    sshKeyFile: z
      .string()
      .max(1024, 'must be at most 1024 characters')
      .default('')
      .meta({ description: 'Private key (a file on this host) the scaler signs in to its machines with.' }),
    providerCommand: z
      .string()
      .max(1024, 'must be at most 1024 characters')
      .default('')
      .meta({ description: 'Command that creates a machine when the SSH pool is used up: run as "<command> create runner|edge <name>" (prints {"id","host","port","user"} as JSON) and "<command> destroy <id>"; empty: the pool only.' }),
    providerTimeoutSeconds: int(10, 3600).default(300).meta({ description: 'How long the provider command may take.' }),
    edges: z
      .boolean()
      .default(false)
      .meta({ description: 'Add edges when the viewers\' traffic per edge core passes edgeTargetMbps and drain and remove the ones it added when the rest can carry it, within edgesMin and edgesMax, from the SSH pool, then the provider.' }),
    edgesMin: int(0, 100).default(0).meta({ description: 'Edges in rotation the scaler keeps at least (edges provisioned by hand count).' }),
    edgesMax: int(0, 100).default(4).meta({ description: 'Edges in rotation the scaler never goes above (edges provisioned by hand count).' }),
    edgeTargetMbps: int(1, 100_000)
      .default(400)
      .meta({ description: 'Traffic per edge core (Mbit/s over the last minute) at which an edge is added; one the scaler added is removed when the others would carry its traffic below half of this.' }),
    edgeDrainSeconds: int(10, 3600)
      .default(300)
      .meta({ description: "Longest wait for a draining edge's viewers to move to the others (players leave an edge that left the playback order) before it is removed." }),
    edgePort: int(1, 65535).default(8081).meta({ description: 'HTTP port of the edges the scaler adds (a provider may name another per machine).' }),
    edgeRegion: z
      .string()
      .max(64, 'must be at most 64 characters')
      .regex(EDGE_REGION_PATTERN, 'letters, digits, spaces, dots, dashes and underscores only')
      .default('')
      .meta({ description: 'Region of the edges the scaler adds (a provider may name another per machine).' }),
    edgeCacheSize: z
      .string()
      .regex(CACHE_SIZE_PATTERN, 'a size like 512m or 10g')
      .default('1g')
      .meta({ description: 'Cache size of the edges the scaler adds.' }),
    origin: z
      .string()
      .max(1024, 'must be at most 1024 characters')
      .refine((v) => v === '' || /^https?:\/\/[^/\s]+\/?$/.test(v), 'must be http(s)://host:port, or empty')
      .default('')
      .meta({ description: "How the runners and edges the scaler adds reach this host (http(s)://host:port); empty: this host's own URL." }),
  })
  .strict()
  .prefault({});
