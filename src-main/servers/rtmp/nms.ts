import { createRequire } from 'node:module';
import type { Logger } from '../../core/logger.js';

/**
 * The part of node-media-server 4.x we embed: its RTMP protocol engine (handshake, chunk stream,
 * AMF commands), loaded from `src/` (the package has no `exports` map and ships no types).
 *
 * We deliberately do not use its RtmpSession, BroadcastServer or Context: RtmpSession forwards the
 * packets of any session into the broadcast (a second, rejected publisher pollutes the live stream),
 * the broadcast keeps a 30 s "reconnecting" grace, and Context is one global per process that every
 * listener would share. The engine itself touches no global state except NMS's console logger.
 */

/** A media or data message as the engine hands it over. `data` is the engine's reused buffer: copy it. */
export interface NmsAvPacket {
  codec_type: number;
  codec_id: number;
  flags: number;
  dts: number;
  pts: number;
  size: number;
  data: Buffer;
}

export interface NmsInvokeMessage {
  cmd: string;
  transId: number;
  cmdObj?: { app?: unknown; tcUrl?: unknown; [key: string]: unknown } | null;
  streamName?: unknown;
}

/** The members of NMS's `Rtmp` class we use or override (see node-media-server/src/protocol/rtmp.js). */
export interface NmsRtmp {
  onOutputCallback: (buffer: Buffer) => void;
  onPacketCallback: (packet: NmsAvPacket) => void;
  parserData(buffer: Buffer): string | null;
  onConnect(message: NmsInvokeMessage): void;
  onPublish(message: NmsInvokeMessage): void;
  onPlay(message: NmsInvokeMessage): void;
  packetAlloc(): void;
  sendInvokeMessage(streamId: number, options: Record<string, unknown>): void;
  /** The engine always sends with this chunk size: announce it before sending any command. */
  outChunkSize: number;
  setChunkSize(size: number): void;
  sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
  parserPacket: { header: { stream_id: number; length: number } };
  inPackets: Map<number, unknown>;
}

interface NmsLogger {
  log(message: string, level?: string): void;
}

const nmsRequire = createRequire(import.meta.url);
const RtmpEngine = nmsRequire('node-media-server/src/protocol/rtmp.js') as new () => NmsRtmp;
const nmsLogger = nmsRequire('node-media-server/src/core/logger.js') as NmsLogger;

export function createRtmpEngine(): NmsRtmp {
  return new RtmpEngine();
}

let routedTo: Logger | undefined;

/**
 * NMS logs through a process-wide console logger; route it into ours (debug, errors as warnings).
 * Process-wide as well: the latest RtmpServer's logger receives the engine's few messages.
 */
export function routeNmsLogs(logger: Logger): void {
  if (routedTo === logger) return;
  routedTo = logger;
  const target = logger.child({ component: 'nms' });
  nmsLogger.log = (message: string, level = 'info') => {
    if (level === 'error' || level === 'warn') target.warn(String(message));
    else target.debug(String(message));
  };
}
