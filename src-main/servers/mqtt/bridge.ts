import type { Aedes } from 'aedes';
import type { Logger } from '../../core/logger.js';
import type { DataHubPort } from '../../data/types.js';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import { dataTopic } from './access.js';

/**
 * The hub's messages from every other transport (HTTP, WebSocket, the chat and window services) out
 * to MQTT subscribers. Messages that came in over MQTT are skipped: aedes already delivered them, and
 * publishing them again would loop. Our own publishes bypass the broker's authorizePublish, so they
 * never come back into the hub either.
 */
export class MqttBridge {
  private readonly off: () => void;

  constructor(hub: DataHubPort, private readonly broker: Aedes, private readonly log: Logger) {
    this.off = hub.onMessage((message) => {
      if (message.source.transport !== 'mqtt') this.forward(message);
    });
  }

  dispose(): void {
    this.off();
  }

  private forward(message: DataMessage): void {
    if (this.broker.closed) return;
    // QoS 1: a subscriber that asked for at-least-once gets it; QoS 0 subscribers get QoS 0 (min of both).
    this.broker.publish(toPublishPacket(message), (error) => {
      if (error) this.log.warn({ err: error, id: message.id, stream: message.stream }, 'MQTT bridge could not publish a data message');
    });
  }
}

/** The data as JSON; for MQTT 5 subscribers, the message's id, seq and times as user properties. */
export function toPublishPacket(message: DataMessage): Parameters<Aedes['publish']>[0] {
  const userProperties: Record<string, string> = { id: message.id, seq: String(message.seq), at: String(message.at) };
  if (message.mediaTime !== null) userProperties.mediaTime = String(message.mediaTime);
  if (message.programDateTime !== null) userProperties.programDateTime = String(message.programDateTime);
  return {
    cmd: 'publish',
    topic: dataTopic(message.stream, message.channel),
    payload: Buffer.from(JSON.stringify(message.data ?? null)),
    qos: 1,
    retain: false,
    dup: false,
    properties: { contentType: 'application/json', payloadFormatIndicator: true, userProperties },
  } as Parameters<Aedes['publish']>[0];
}
