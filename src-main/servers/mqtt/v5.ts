import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { IConnackPacket, IConnectPacket, IDisconnectPacket, IPublishPacket, Packet } from 'mqtt-packet';

/**
 * MQTT 5 in front of aedes 1.2, which speaks 3.1.1 only: its CONNECT handler refuses protocol level 5
 * and it writes every packet in the 3.1.1 encoding. Yet its parser (mqtt-packet) reads v5 once it has
 * seen a v5 CONNECT, and it already carries v5 publish properties and subscription options (no local,
 * retain as published, retain handling) through delivery. So instead of translating bytes both ways
 * (which would lose every property), two narrow hooks let aedes serve v5 natively:
 *
 * 1. `acceptV5Connect` (from preConnect): shows aedes's version check protocol level 4 while its parser
 *    keeps reading v5, and marks the socket as v5.
 * 2. writer.ts hooks mqtt-packet's `writeToStream`, which aedes calls without options, and writes with
 *    `toV5` for sockets marked v5: CONNACK return codes become reason codes and carry what the broker
 *    offers (maximum packet size, no topic aliases, no shared subscriptions, an assigned client id).
 *
 * Not supported for v5 clients: enhanced authentication (AUTH; a CONNECT with an authentication method
 * gets 0x8C), topic aliases (we offer a maximum of 0, so clients must not send them, and we send none),
 * session expiry (a session without clean start lasts until the broker stops, as in 3.1.1), message
 * expiry (the property is passed on, not applied), the client's receive maximum and maximum packet size
 * (not enforced on what we send), request/response information, shared subscriptions, subscription
 * identifiers, reason strings, a will delay, and per-message reason codes: a refused PUBLISH ends the
 * connection with a DISCONNECT carrying the reason code, as aedes closes 3.1.1 connections (MQTT-3.3.5-2).
 */

export type WriteToStream = ((packet: Packet, stream: NodeJS.WritableStream, opts?: { protocolVersion: number }) => boolean) & { cacheNumbers?: boolean };

interface MqttPacketModule {
  writeToStream: WriteToStream;
  generate(packet: Packet, opts?: { protocolVersion: number }): Buffer;
}

/** The copy of mqtt-packet aedes loaded: its writer is hooked on this very module object (writer.ts). */
export function mqttPacket(): MqttPacketModule {
  loadedPacket ??= createRequire(createRequire(import.meta.url).resolve('aedes'))('mqtt-packet') as MqttPacketModule;
  return loadedPacket;
}
let loadedPacket: MqttPacketModule | undefined;

export const V5 = { protocolVersion: 5 };

/** What the broker told a v5 client in its CONNACK. */
export interface V5Connection {
  maximumPacketSize: number;
  /** The id we gave a client that sent none (v5 says the CONNACK must carry it). */
  assignedClientIdentifier?: string;
}

const v5Sockets = new WeakMap<object, V5Connection>();

/** What a v5 socket was told at CONNECT; undefined for 3.1.1 sockets. */
export const v5Connection = (socket: object): V5Connection | undefined => v5Sockets.get(socket);

/** 3.1.1 CONNACK return codes (aedes's) as v5 reason codes. */
const CONNACK_REASON: Record<number, number> = {
  0: 0x00,
  1: 0x84, // unsupported protocol version
  2: 0x85, // client identifier not valid
  3: 0x88, // server unavailable
  4: 0x86, // bad user name or password
  5: 0x87, // not authorized
};

/** v5 reason codes we send on refusals. */
export const REASON = {
  notAuthorized: 0x87,
  badAuthenticationMethod: 0x8c,
  packetTooLarge: 0x95,
  payloadFormatInvalid: 0x99,
  topicNameInvalid: 0x90,
  unspecified: 0x80,
} as const;

/** A packet aedes wrote for 3.1.1, as the v5 client must get it. */
export function toV5(packet: Packet, connection: V5Connection): Packet {
  switch (packet.cmd) {
    case 'connack': {
      const { returnCode = 0, sessionPresent } = packet as IConnackPacket;
      const reasonCode = CONNACK_REASON[returnCode] ?? REASON.unspecified;
      const properties =
        reasonCode === 0
          ? {
              maximumPacketSize: connection.maximumPacketSize,
              topicAliasMaximum: 0,
              retainAvailable: true,
              wildcardSubscriptionAvailable: true,
              sharedSubscriptionAvailable: false,
              subscriptionIdentifiersAvailable: false,
              ...(connection.assignedClientIdentifier !== undefined && { assignedClientIdentifier: connection.assignedClientIdentifier }),
            }
          : undefined;
      return { cmd: 'connack', sessionPresent: reasonCode === 0 && sessionPresent, reasonCode, ...(properties && { properties }) };
    }
    case 'publish': {
      const properties = (packet as IPublishPacket).properties;
      if (!properties || (properties.topicAlias === undefined && properties.subscriptionIdentifier === undefined)) return packet;
      // A publisher's own alias or subscription id means nothing to the subscriber it is forwarded to.
      const { topicAlias: _alias, subscriptionIdentifier: _id, ...rest } = properties;
      return { ...(packet as IPublishPacket), properties: rest };
    }
    default:
      return packet;
  }
}

/** The part of aedes's client the CONNECT hook needs: its socket and its packet parser's settings. */
interface AedesClientInternals {
  conn: object;
  _parser?: { settings?: { protocolVersion?: number } };
}

/**
 * Called from preConnect with a v5 CONNECT: false when the client must be refused (the CONNACK is
 * already written). Otherwise aedes sees level 4 and its parser goes on reading v5.
 */
export function acceptV5Connect(client: AedesClientInternals, packet: IConnectPacket, maximumPacketSize: number): boolean {
  const socket = client.conn as Socket;
  const connection: V5Connection = { maximumPacketSize };
  if (!packet.clientId) {
    // aedes would name it the same way, after this hook: name it here so the CONNACK can say it.
    packet.clientId = `aedes_${randomUUID()}`;
    connection.assignedClientIdentifier = packet.clientId;
  }
  v5Sockets.set(socket, connection);
  if (packet.properties?.authenticationMethod !== undefined) {
    writeV5(socket, { cmd: 'connack', sessionPresent: false, reasonCode: REASON.badAuthenticationMethod });
    // aedes leaves a connection its preConnect refused open (its connect timer is already cleared).
    socket.destroySoon();
    return false;
  }
  if (!client._parser?.settings) throw new Error('aedes internals changed: the client has no packet parser settings (MQTT 5 cannot be adapted)');
  // The parser's settings ARE this packet object (mqtt-packet keeps the CONNECT as its settings).
  client._parser.settings = { protocolVersion: 5 };
  packet.protocolVersion = 4;
  return true;
}

/** Writes a packet in the v5 encoding straight to the socket (refusals aedes cannot express). */
export function writeV5(socket: Socket, packet: IConnackPacket | IDisconnectPacket): void {
  if (socket.destroyed || !socket.writable) return;
  // It may be closed right after: nothing may stay corked behind it.
  while (socket.writableCorked > 0) socket.uncork();
  socket.write(mqttPacket().generate(packet, V5));
}

/** Ends a v5 connection with a reason code before aedes closes it; nothing for 3.1.1 sockets. */
export function disconnectV5(socket: Socket, reasonCode: number): void {
  if (v5Sockets.has(socket)) writeV5(socket, { cmd: 'disconnect', reasonCode });
}
