import net from 'node:net';
import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import type { IConnectPacket } from 'mqtt-packet';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import { listenOn } from '../../platform/net.js';
import type { DataHubPort } from '../../data/types.js';
import { dataTopic, decodePayload, filterMatches, mayRead, publishDecision, subscribeDecision, type MqttPrincipal, type Visibility } from './access.js';
import { MqttBridge } from './bridge.js';
import { PacketSizeGuard } from './packet-size.js';
import { acceptV5Connect, disconnectV5, REASON } from './v5.js';
import { adoptBrokerSocket, installBrokerWriter, isStalled } from './writer.js';

export interface MqttConfig {
  /** 0: off. */
  port: number;
  bind: string;
  maxPacketKilobytes: number;
}

/** What a password proves: the API token, or a stream's key (good for that stream only). */
export type MqttCredential = { kind: 'api' } | { kind: 'key'; stream: string };

export interface MqttServerOptions {
  hub: DataHubPort;
  /** The password a client sent; null refuses the connection (bad user name or password). */
  authenticate(password: string): MqttCredential | null;
  streams: { get(name: string): { private: boolean } | undefined };
  config: () => MqttConfig;
  logger: Logger;
  /** A subscriber whose socket stays full this long is cut off (default 10 s): it must not stall the others. */
  drainTimeoutMs?: number;
}

export type MqttServerState =
  | { status: 'off' | 'stopped' }
  | { status: 'starting' | 'listening'; port: number; bind: string }
  | { status: 'port-in-use' | 'failed'; port: number; bind: string; message: string };

export interface MqttCounters {
  clients: number;
  /** QoS 0 messages not sent to a subscriber whose socket was full. */
  dropped: number;
  /** Connections closed for a packet over maxPacketKilobytes. */
  oversized: number;
  refusedConnects: number;
  refusedPublishes: number;
}

const VISIBILITY_TTL_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The MQTT broker (aedes) on `mqtt.port`, bridged both ways with the data hub: a client's PUBLISH on
 * `streams/<name>/data/<channel>` becomes a hub message (before aedes delivers it, so what the hub
 * refuses, MQTT subscribers never see), and the hub's messages from other transports are published
 * on the same topic. MQTT 3.1.1 and 5 (see v5.ts); QoS 0/1/2, retained messages and wildcards are
 * aedes's. Sign-in: any user name, the password is the API token or a stream key; no password may
 * only subscribe to public streams.
 */
export class MqttServer implements Service {
  readonly name = 'mqtt';
  private readonly log: Logger;
  private broker: Aedes | undefined;
  private brokerReady: Promise<Aedes | undefined> | undefined;
  private maxBytes = 0;
  private server: net.Server | undefined;
  private bridge: MqttBridge | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly principals = new WeakMap<Client, MqttPrincipal>();
  private readonly visibilityCache = new Map<string, { value: 'public' | 'private' | undefined; until: number }>();
  private current: MqttServerState = { status: 'stopped' };
  private readonly counts = { dropped: 0, oversized: 0, refusedConnects: 0, refusedPublishes: 0 };

  constructor(private readonly options: MqttServerOptions) {
    this.log = options.logger.child({ service: 'mqtt' });
  }

  /** Listening, off, or why not (a port in use does not stop the host). */
  get state(): MqttServerState {
    return this.current;
  }

  counters(): MqttCounters {
    return { clients: this.broker?.connectedClients ?? 0, ...this.counts };
  }

  /**
   * MQTT clients now subscribed to a channel (a wildcard filter counts where it matches and the client
   * may read): the hub's `subscribers` figure adds these. Walks every client: for data.channels, not per message.
   */
  subscribers(stream: string, channel: string): number {
    const clients = (this.broker as (Aedes & { clients?: Record<string, Client & { subscriptions?: Record<string, unknown> }> }) | undefined)?.clients;
    if (!clients) return 0;
    const topic = dataTopic(stream, channel);
    let count = 0;
    for (const client of Object.values(clients)) {
      const filters = Object.keys(client.subscriptions ?? {});
      if (filters.some((f) => filterMatches(f, topic)) && mayRead(this.principal(client), topic, this.visibility)) count++;
    }
    return count;
  }

  /** The bound port (useful with port 0), or null when not listening. */
  address(): { port: number } | null {
    const address = this.server?.address() as net.AddressInfo | null | undefined;
    return address ? { port: address.port } : null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const { port, bind, maxPacketKilobytes } = this.options.config();
    if (port === 0) {
      this.current = { status: 'off' };
      this.log.info('MQTT broker off (mqtt.port is 0)');
      return;
    }
    this.current = { status: 'starting', port, bind };
    this.maxBytes = maxPacketKilobytes * 1024;
    const server = net.createServer((socket) => this.accept(socket));
    try {
      await listenOn(server, port, bind, 'mqtt.port');
    } catch (error) {
      const failure = StudioError.from(error);
      this.current = { status: failure.code === 'PORT_IN_USE' ? 'port-in-use' : 'failed', port, bind, message: failure.message };
      this.log.warn({ port, bind, code: failure.code }, `MQTT broker not started: ${failure.message}; the rest of the host runs on (change mqtt.port, or 0 to turn MQTT off)`);
      return;
    }
    server.on('error', (error) => this.log.error({ err: error }, 'MQTT listener error'));
    this.server = server;
    const bound = this.address()?.port ?? port;
    this.current = { status: 'listening', port: bound, bind };
    this.log.info({ port: bound, bind }, 'MQTT broker listening');
  }

  /**
   * aedes and its packet library are loaded, and the broker made, with the first client: a host that
   * nobody reaches over MQTT never loads them (they were a twentieth of a start). Until then there is
   * no subscriber, so the hub's messages have nowhere to go and the bridge is not needed either.
   */
  private loadBroker(): Promise<Aedes | undefined> {
    this.brokerReady ??= (async () => {
      const { Aedes } = await import('./aedes-lib.js');
      if (!this.server) return undefined;
      installBrokerWriter();
      const maxBytes = this.maxBytes;
      const broker = await Aedes.createBroker({
        connectTimeout: CONNECT_TIMEOUT_MS,
        drainTimeout: this.options.drainTimeoutMs ?? 10_000,
        preConnect: (client, packet, done) => done(null, this.preConnect(client, packet as IConnectPacket, maxBytes)),
        authenticate: (client, _username, password, done) => this.authenticate(client, password, done),
        authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
        authorizeSubscribe: (client, subscription, done) => done(null, this.authorizeSubscribe(client, subscription)),
        authorizeForward: (client, packet) => this.authorizeForward(client, packet),
      });
      if (!this.server) {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        return undefined;
      }
      broker.on('clientError', (client, error) => this.log.debug({ client: client.id, err: error }, 'MQTT client error'));
      broker.on('connectionError', (_client, error) => this.log.debug({ err: error }, 'MQTT connection error'));
      this.broker = broker;
      this.bridge = new MqttBridge(this.options.hub, broker, this.log);
      return broker;
    })().catch((error: unknown) => {
      this.log.error({ err: error }, 'MQTT broker could not be made; the next client tries again');
      this.brokerReady = undefined;
      return undefined;
    });
    return this.brokerReady;
  }

  async dispose(): Promise<void> {
    const { server, brokerReady } = this;
    this.server = undefined;
    if (this.current.status !== 'off') this.current = { status: 'stopped' };
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    // A broker still being made sees the server gone and closes itself.
    await brokerReady;
    const broker = this.broker;
    this.broker = undefined;
    this.brokerReady = undefined;
    this.bridge?.dispose();
    this.bridge = undefined;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
  }

  private accept(socket: net.Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.broker) return this.handle(socket, this.broker);
    // Held (its bytes wait in the socket) while the broker is made for it.
    socket.pause();
    void this.loadBroker().then((broker) => {
      if (!broker || socket.destroyed) socket.destroy();
      else this.handle(socket, broker);
    });
  }

  private handle(socket: net.Socket, broker: Aedes): void {
    const maxBytes = this.maxBytes;
    socket.setNoDelay(true);
    adoptBrokerSocket(socket);
    // aedes reads with read(); a 'data' listener sees each chunk before aedes's parser does.
    const guard = new PacketSizeGuard(maxBytes);
    socket.on('data', (chunk: Buffer) => {
      const size = guard.push(chunk);
      if (size === 0) return;
      this.counts.oversized++;
      this.log.debug({ remote: socket.remoteAddress, size, maxBytes }, 'MQTT packet over mqtt.maxPacketKilobytes: connection closed');
      disconnectV5(socket, REASON.packetTooLarge);
      socket.destroy();
    });
    if (socket.isPaused()) socket.resume();
    broker.handle(socket);
  }

  private preConnect(client: Client, packet: IConnectPacket, maxBytes: number): boolean {
    if (packet.protocolVersion !== 5) return true;
    const accepted = acceptV5Connect(client as unknown as Parameters<typeof acceptV5Connect>[0], packet, maxBytes);
    if (!accepted) this.counts.refusedConnects++;
    return accepted;
  }

  private authenticate(client: Client, password: Readonly<Buffer | undefined>, done: (error: (Error & { returnCode: number }) | null, ok: boolean | null) => void): void {
    if (password === undefined || password.length === 0) {
      this.principals.set(client, { kind: 'anonymous' });
      done(null, true);
      return;
    }
    const credential = this.options.authenticate(password.toString('utf8'));
    if (!credential) {
      this.counts.refusedConnects++;
      this.log.debug({ remote: (client.conn as net.Socket).remoteAddress }, 'MQTT sign-in refused: wrong password');
      done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }), null);
      return;
    }
    this.principals.set(client, credential);
    done(null, true);
  }

  private principal(client: Client | null): MqttPrincipal {
    return (client && this.principals.get(client)) ?? { kind: 'anonymous' };
  }

  private readonly visibility: Visibility = (stream) => {
    const now = Date.now();
    const cached = this.visibilityCache.get(stream);
    if (cached && cached.until > now) return cached.value;
    const record = this.options.streams.get(stream);
    const value = record === undefined ? undefined : record.private ? 'private' : 'public';
    if (this.visibilityCache.size > 10_000) this.visibilityCache.clear();
    this.visibilityCache.set(stream, { value, until: now + VISIBILITY_TTL_MS });
    return value;
  };

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const refuse = (reasonCode: number, why: string, details: Record<string, unknown> = {}): void => {
      this.counts.refusedPublishes++;
      this.log.debug({ client: client?.id, topic: packet.topic, ...details }, `MQTT publish refused: ${why}`);
      if (client) disconnectV5(client.conn as net.Socket, reasonCode);
      done(new Error(`publish refused: ${why}`));
    };
    // The size guard closed the socket while aedes's parser still had the oversized packet's chunk.
    if (client && (client.conn as net.Socket).destroyed) {
      done(new Error('publish refused: the connection is closed'));
      return;
    }
    const decision = publishDecision(this.principal(client), packet.topic, this.visibility);
    if (!decision.ok) {
      refuse(decision.reason === 'not-a-data-topic' ? REASON.topicNameInvalid : REASON.notAuthorized, decision.reason);
      return;
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // An empty payload only clears a retained message: nothing for the hub.
    if (payload.length === 0) {
      done(null);
      return;
    }
    const properties = (packet as PublishPacket & { properties?: { contentType?: string; userProperties?: Record<string, string | string[]> } }).properties;
    const decoded = decodePayload(payload, properties?.contentType);
    if (!decoded) {
      refuse(REASON.payloadFormatInvalid, 'payload is neither JSON, UTF-8 text nor MessagePack');
      return;
    }
    const toHub = (): void => {
      try {
        const mediaTime = Number(properties?.userProperties?.mediaTime);
        const principal = this.principal(client);
        this.options.hub.publish({
          stream: decision.topic.stream,
          channel: decision.topic.channel,
          ...decoded,
          ...(Number.isFinite(mediaTime) && properties?.userProperties?.mediaTime !== undefined && { mediaTime }),
          source: { kind: principal.kind === 'key' ? 'key' : 'api', transport: 'mqtt', remoteAddress: (client?.conn as net.Socket | undefined)?.remoteAddress ?? null },
        });
      } catch (error) {
        const failure = StudioError.from(error);
        const reason = failure.code === 'PAYLOAD_TOO_LARGE' ? REASON.packetTooLarge : failure.code === 'CHANNEL_RESERVED' ? REASON.notAuthorized : failure.code === 'VALIDATION_FAILED' || failure.code === 'SCHEMA_MISMATCH' ? REASON.payloadFormatInvalid : REASON.unspecified;
        refuse(reason, failure.message, { code: failure.code });
        return;
      }
      done(null);
    };
    if (packet.qos !== 2 || !client) {
      toHub();
      return;
    }
    // QoS 2 exactly once: a retransmitted PUBLISH (still held until PUBREL) must not reach the hub again.
    const persistence = (client as Client & { broker: { persistence: { incomingGetPacket(c: Client, p: { messageId?: number }): Promise<unknown> } } }).broker.persistence;
    persistence.incomingGetPacket(client, { messageId: packet.messageId }).then(
      () => done(null),
      () => toHub(),
    );
  }

  private authorizeSubscribe(client: Client, subscription: Subscription): Subscription | null {
    const granted = subscribeDecision(this.principal(client), subscription.topic, this.visibility);
    if (!granted) this.log.debug({ client: client.id, topic: subscription.topic }, 'MQTT subscription refused');
    return granted ? subscription : null;
  }

  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    if (!mayRead(this.principal(client), packet.topic, this.visibility)) return null;
    // A subscriber that does not keep up loses QoS 0 messages instead of holding up everyone's delivery.
    if ((packet.qos === 0 || onlyQos0(client)) && isStalled(client.conn as net.Socket)) {
      this.counts.dropped++;
      return null;
    }
    return packet;
  }
}

/** Every subscription of the client is QoS 0: what it receives, it receives at most once anyway. */
function onlyQos0(client: Client): boolean {
  const subscriptions = (client as Client & { subscriptions?: Record<string, { qos?: number }> }).subscriptions ?? {};
  for (const topic in subscriptions) if ((subscriptions[topic]?.qos ?? 0) > 0) return false;
  return true;
}
