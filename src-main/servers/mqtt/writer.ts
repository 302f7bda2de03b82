import type { Socket } from 'node:net';
import type { Packet } from 'mqtt-packet';
import { corkForTurn } from '../../http/cork.js';
import { mqttPacket, toV5, V5, v5Connection, type WriteToStream } from './v5.js';

/**
 * The one place that sees what aedes writes: it calls mqtt-packet's `writeToStream(packet, socket)` for
 * every packet, which we replace (once, for the process) with a writer that, for our broker's sockets
 * only: encodes for MQTT 5 where the socket spoke v5 (v5.ts); gathers what one event-loop turn writes
 * into one write (aedes writes each packet on its own: a system call per packet and subscriber was
 * most of a fanout's time); and tells aedes to wait for 'drain' only for a subscriber that is really
 * behind, since aedes holds one of the delivery slots all subscribers share while it waits.
 */

let installed = false;
const brokerSockets = new WeakSet<object>();
const backlogs = new WeakMap<object, { since: number; length: number }>();

/** A subscriber that sent nothing of its backlog for this long is behind: QoS 0 messages skip it. */
const STALL_MS = 1000;
/** ...and so is one holding this much unsent, whatever its pace. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * Whether the socket holds unsent bytes and none of them went out for STALL_MS (or too many wait).
 * Not `writableNeedDrain`: while we gather a turn's writes that is true of every busy socket.
 */
export function isStalled(socket: Socket): boolean {
  const length = socket.writableLength;
  if (length === 0) {
    backlogs.delete(socket);
    return false;
  }
  const now = Date.now();
  const backlog = backlogs.get(socket);
  if (!backlog || length < backlog.length) {
    backlogs.set(socket, { since: now, length });
    return length > MAX_BACKLOG_BYTES;
  }
  backlog.length = length;
  return now - backlog.since > STALL_MS || length > MAX_BACKLOG_BYTES;
}

/** A socket our broker serves: its writes are coalesced (and v5-encoded once acceptV5Connect marks it). */
export function adoptBrokerSocket(socket: Socket): void {
  brokerSockets.add(socket);
}

/** A QoS 0 PUBLISH's bytes by its payload (the Buffer every subscriber's copy of the packet shares). */
const encodedPublishes = new WeakMap<Buffer, { topic: string; retain: boolean; dup: boolean; bytes: Buffer }>();

/** The bytes of a QoS 0 PUBLISH in MQTT 3, encoded once per message; undefined for any other packet. */
export function sharedPublishBytes(packet: Packet): Buffer | undefined {
  if (packet.cmd !== 'publish' || packet.qos !== 0 || !Buffer.isBuffer(packet.payload) || packet.properties) return undefined;
  const retain = packet.retain === true;
  const dup = packet.dup === true;
  const known = encodedPublishes.get(packet.payload);
  if (known && known.topic === packet.topic && known.retain === retain && known.dup === dup) return known.bytes;
  const bytes = mqttPacket().generate(packet);
  encodedPublishes.set(packet.payload, { topic: packet.topic, retain, dup, bytes });
  return bytes;
}

/** Hooks mqtt-packet's writer for our broker's sockets (see above). Idempotent; other callers are untouched. */
export function installBrokerWriter(): void {
  if (installed) return;
  installed = true;
  const original = mqttPacket().writeToStream;
  const writeToStream: WriteToStream = (packet, stream, opts) => {
    if (opts !== undefined || !brokerSockets.has(stream)) return original(packet, stream, opts);
    const socket = stream as unknown as Socket;
    corkForTurn(socket);
    const connection = v5Connection(stream);
    const shared = connection ? undefined : sharedPublishBytes(packet);
    const written = connection ? original(toV5(packet, connection), stream, V5) : shared ? socket.write(shared) : original(packet, stream);
    // aedes waits for 'drain' on false, holding one of the delivery slots all subscribers share: false only
    // for a socket that is really behind, not one merely gathering this turn's packets.
    return written || !isStalled(socket);
  };
  // mqtt.js toggles this switch on the writer it finds here.
  Object.defineProperty(writeToStream, 'cacheNumbers', {
    get: () => original.cacheNumbers,
    set: (value: boolean) => {
      original.cacheNumbers = value;
    },
  });
  mqttPacket().writeToStream = writeToStream;
}

