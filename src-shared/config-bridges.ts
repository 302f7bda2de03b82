import { z } from 'zod';
import { int } from './config-auth.js';

/** The bridges' engines (merged into configSchema): where NATS and Redis are, how to sign in, the names used there. */

const isEngineUrlOrEmpty = (schemes: string[]) => (v: string): boolean => v === '' || new RegExp(`^(${schemes.join('|')})://\\S+$`).test(v);
const secret = (description: string) =>
  z
    .string()
    .default('')
    .refine((v) => v.length <= 4096 && /^[\x21-\x7e]*$/.test(v), 'must be at most 4096 visible ASCII characters (no spaces), or empty')
    .meta({ description, secret: true });

export const bridgesConfigSchema = z
  .object({
    natsUrl: z
      .string()
      .default('')
      .refine(isEngineUrlOrEmpty(['nats', 'tls']), 'must be a nats:// (or tls://) URL, or empty')
      .meta({ description: 'NATS server (with JetStream) of the data bridges, e.g. nats://127.0.0.1:4222; empty: NATS bridges are off.' }),
    natsToken: secret('The token the host signs in to NATS with; empty: none. Shown only as its last 4 characters.'),
    redisUrl: z
      .string()
      .default('')
      .refine(isEngineUrlOrEmpty(['redis', 'rediss']), 'must be a redis:// (or rediss://) URL, or empty')
      .meta({ description: 'Redis server of the data bridges (Redis Streams), e.g. redis://127.0.0.1:6379/0; empty: Redis bridges are off.' }),
    redisPassword: secret('The password the host signs in to Redis with; empty: none. Shown only as its last 4 characters.'),
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1 to 32 lowercase letters, digits, - and _, starting with a letter')
      .default('streams')
      .meta({ description: 'Names used in the engines: NATS subjects <prefix>.<stream>.<channel> in the JetStream stream <PREFIX>_<stream>, Redis keys <prefix>:<stream>:<channel>, the Redis consumer groups <prefix>-<stream>-<bridge>.' }),
    redisMaxLen: int(100, 100_000_000)
      .default(1_000_000)
      .meta({ description: 'Redis streams written by a bridge keep about this many entries (XADD MAXLEN ~).' }),
    bufferMessages: int(100, 1_000_000)
      .default(100_000)
      .meta({ description: 'Messages one out-bridge holds while its engine is away; past this, new ones are dropped and counted.' }),
  })
  .strict()
  .prefault({});
