import { AckPolicy, connect, DeliverPolicy, headers, StorageType, type ConsumerMessages, type NatsConnection } from 'nats';
import { errorText, type BridgeEngine, type BridgeReader } from './engine.js';
import { dataOfPayload, jetStreamNameOf, natsSubjectOf, type BridgeRecord } from './records.js';

export interface NatsEngineOptions {
  url: string;
  token: string;
  prefix: string;
}

/** How long JetStream may take to acknowledge a publish before the batch is sent again. */
const ACK_TIMEOUT_MS = 5000;
/** JetStream drops a message whose id it saw within this window (a resend after a lost acknowledgement). */
const DUPLICATE_WINDOW_NS = 120 * 1e9;
const RETRY_READ_MS = 1000;

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * NATS JetStream through nats.js: each stream's channels are subjects `<prefix>.<stream>.<channel>` of
 * one JetStream stream (file storage, made on first write), each message published with its id as the
 * Nats-Msg-Id, so a batch sent again after a lost acknowledgement is stored once, in order. nats.js
 * reconnects by itself once connected; the first connection is retried by the caller's next write.
 */
export class NatsEngine implements BridgeEngine {
  readonly kind = 'nats' as const;
  private nc: NatsConnection | null = null;
  private connecting: Promise<NatsConnection> | null = null;
  private connected = false;
  private closed = false;
  private readonly ensured = new Set<string>();

  constructor(private readonly options: NatsEngineOptions) {}

  up(): boolean {
    return this.connected;
  }

  async write(records: readonly BridgeRecord[]): Promise<void> {
    const nc = await this.connection();
    for (const stream of new Set(records.map((r) => r.stream))) await this.ensureStream(nc, stream);
    const js = nc.jetstream();
    const acks = records.map((r) => {
      const h = headers();
      for (const [k, v] of Object.entries(r.meta)) h.set(k, v);
      return js.publish(natsSubjectOf(this.options.prefix, r.stream, r.channel), encoder.encode(r.payload), { msgID: r.id, headers: h, timeout: ACK_TIMEOUT_MS });
    });
    // Every publish settles before the batch is over: a resend never races the first send of the same ids.
    const settled = await Promise.allSettled(acks);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }

  read(stream: string, bridgeId: string, source: string, fromSeq: number | undefined, deliver: (data: unknown) => void, onError: (error: Error) => void): BridgeReader {
    let stopped = false;
    let messages: ConsumerMessages | null = null;
    const durable = `${this.options.prefix}-${stream}-${bridgeId}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const loop = async (): Promise<void> => {
      while (!stopped) {
        try {
          const nc = await this.connection();
          const jsm = await nc.jetstreamManager();
          const streamName = await jsm.streams.find(source).catch((error: unknown) => {
            throw new Error(`no JetStream stream holds the subject "${source}" (${errorText(error)})`);
          });
          try {
            await jsm.consumers.info(streamName, durable);
          } catch {
            // A durable consumer: after a restart of either side the bridge goes on after the last message it acknowledged.
            const start = fromSeq === undefined ? { deliver_policy: DeliverPolicy.New } : fromSeq <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq };
            await jsm.consumers.add(streamName, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: source, ...start });
          }
          const consumer = await nc.jetstream().consumers.get(streamName, durable);
          messages = await consumer.consume({ max_messages: 256 });
          if (stopped) break;
          for await (const m of messages) {
            try {
              deliver(dataOfPayload(m.string()));
            } catch (error) {
              // A message the channel refuses (too large, a channel limit) is counted and passed over, not redelivered for ever.
              onError(error instanceof Error ? error : new Error(String(error)));
            }
            m.ack();
          }
        } catch (error) {
          if (stopped) break;
          onError(error instanceof Error ? error : new Error(String(error)));
        }
        if (!stopped) await sleep(RETRY_READ_MS);
      }
    };
    void loop();
    return {
      close: async () => {
        stopped = true;
        messages?.stop();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc ?? (await this.connecting?.catch(() => null)) ?? null;
    this.nc = null;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  private connection(): Promise<NatsConnection> {
    if (this.closed) return Promise.reject(new Error('the bridge is closed'));
    if (this.nc && !this.nc.isClosed()) return Promise.resolve(this.nc);
    this.connecting ??= connect({
      servers: this.options.url,
      ...(this.options.token ? { token: this.options.token } : {}),
      name: 'streams-studio',
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 3000,
    })
      .then((nc) => {
        if (this.closed) {
          void nc.close();
          throw new Error('the bridge is closed');
        }
        this.nc = nc;
        this.connected = true;
        void this.watch(nc);
        return nc;
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.connected = false;
      else if (s.type === 'reconnect') this.connected = true;
    }
    this.connected = false;
  }

  private async ensureStream(nc: NatsConnection, stream: string): Promise<void> {
    const name = jetStreamNameOf(this.options.prefix, stream);
    if (this.ensured.has(name)) return;
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.streams.add({ name, subjects: [`${natsSubjectOf(this.options.prefix, stream, '>')}`], storage: StorageType.File, duplicate_window: DUPLICATE_WINDOW_NS });
    } catch (error) {
      // Made by us before, or by the operator with limits of their own: either way it takes our subjects.
      if (!/already in use/i.test(errorText(error))) throw error;
    }
    this.ensured.add(name);
  }
}
