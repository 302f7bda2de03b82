import { Redis } from 'ioredis';
import { errorText, type BridgeEngine, type BridgeReader } from './engine.js';
import { dataOfRedisFields, redisKeyOf, type BridgeRecord } from './records.js';

export interface RedisEngineOptions {
  url: string;
  password: string;
  prefix: string;
  maxLen: () => number;
}

/**
 * Appends a batch of one channel's messages to its stream, leaving out those whose seq is not past the
 * newest entry's (a batch sent again after a lost reply is stored once, in order). KEYS[1] the stream;
 * ARGV[1] MAXLEN; then per message: the number of its fields' words, its seq, the words.
 */
const APPEND_AFTER_LUA = `
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then
  local f = top[1][2]
  for i = 1, #f, 2 do
    if f[i] == 'seq' then last = tonumber(f[i + 1]) or 0 end
  end
end
local added = 0
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local seq = tonumber(ARGV[i + 1])
  if seq > last then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 2, i + 1 + n))
    last = seq
    added = added + 1
  end
  i = i + 2 + n
end
return added
`;

const BLOCK_MS = 1000;
const CONNECT_TIMEOUT_MS = 3000;
const RETRY_READ_MS = 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

type AppendingRedis = Redis & { streamsAppend(key: string, ...args: (string | number)[]): Promise<number> };

/**
 * Redis Streams through ioredis: each channel a stream `<prefix>:<stream>:<channel>` (XADD, MAXLEN ~),
 * fields seq, at, content-type, media-time, program-date-time and data (JSON). Commands are not queued
 * while Redis is away (the bridge buffers and sends again); ioredis reconnects by itself.
 */
export class RedisEngine implements BridgeEngine {
  readonly kind = 'redis' as const;
  private readonly client: AppendingRedis;
  private readonly readers = new Set<Redis>();
  private closed = false;

  constructor(private readonly options: RedisEngineOptions) {
    this.client = this.connect(false) as AppendingRedis;
    this.client.defineCommand('streamsAppend', { numberOfKeys: 1, lua: APPEND_AFTER_LUA });
  }

  up(): boolean {
    return this.client.status === 'ready';
  }

  async write(records: readonly BridgeRecord[]): Promise<void> {
    await this.ready();
    const byKey = new Map<string, (string | number)[]>();
    for (const r of records) {
      const key = redisKeyOf(this.options.prefix, r.stream, r.channel);
      const args = byKey.get(key) ?? [this.options.maxLen()];
      const words = ['seq', String(r.seq), ...Object.entries(r.meta).flatMap(([k, v]) => (k === 'seq' ? [] : [k, v])), 'data', r.payload];
      args.push(words.length, r.seq, ...words);
      byKey.set(key, args);
    }
    const pipeline = this.client.pipeline();
    for (const [key, args] of byKey) (pipeline as unknown as { streamsAppend(...a: (string | number)[]): unknown }).streamsAppend(key, ...args);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  /** Resolves once connected: a first connection in progress is waited for, one that is lost fails at once (the bridge keeps the records). */
  private ready(): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return Promise.resolve();
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') return Promise.reject(new Error(`Redis is not connected (${status})`));
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => done();
      const onClose = (): void => done(new Error(`Redis is not connected (${this.client.status})`));
      const timer = setTimeout(() => done(new Error(`Redis did not answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      this.client.once('ready', onReady);
      this.client.once('close', onClose);
    });
  }

  read(stream: string, bridgeId: string, source: string, fromSeq: number | undefined, deliver: (data: unknown) => void, onError: (error: Error) => void): BridgeReader {
    let stopped = false;
    const conn = this.connect(true);
    this.readers.add(conn);
    const group = `${this.options.prefix}-${stream}-${bridgeId}`;
    const consumer = 'host';
    const loop = async (): Promise<void> => {
      while (!stopped) {
        try {
          try {
            await conn.xgroup('CREATE', source, group, fromSeq === undefined ? '$' : '0', 'MKSTREAM');
          } catch (error) {
            if (!/BUSYGROUP/.test(errorText(error))) throw error;
          }
          // First what was delivered to us and not acknowledged (a crash between the two), then new entries.
          let id = '0';
          while (!stopped) {
            const answer = (await conn.xreadgroup('GROUP', group, consumer, 'COUNT', 256, 'BLOCK', BLOCK_MS, 'STREAMS', source, id)) as [string, [string, string[]][]][] | null;
            const entries = answer?.[0]?.[1] ?? [];
            if (id === '0' && entries.length === 0) {
              id = '>';
              continue;
            }
            for (const [, fields] of entries) {
              try {
                deliver(dataOfRedisFields(fields));
              } catch (error) {
                onError(error instanceof Error ? error : new Error(String(error)));
              }
            }
            if (entries.length > 0) await conn.xack(source, group, ...entries.map(([entryId]) => entryId));
          }
        } catch (error) {
          if (stopped) break;
          onError(error instanceof Error ? error : new Error(String(error)));
          await sleep(RETRY_READ_MS);
        }
      }
    };
    void loop();
    return {
      close: async () => {
        stopped = true;
        this.readers.delete(conn);
        conn.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.readers) r.disconnect();
    this.readers.clear();
    this.client.disconnect();
  }

  private connect(blocking: boolean): Redis {
    const client = new Redis(this.options.url, {
      ...(this.options.password ? { password: this.options.password } : {}),
      connectionName: 'streams-studio',
      // Writes fail at once while Redis is away (the bridge keeps them); a blocking reader waits for it.
      enableOfflineQueue: blocking,
      maxRetriesPerRequest: blocking ? null : 1,
      retryStrategy: (times) => (this.closed ? null : Math.min(250 * times, 2000)),
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    // ioredis reports every failed connection attempt here; the bridge reports its own errors.
    client.on('error', () => undefined);
    return client;
  }
}
