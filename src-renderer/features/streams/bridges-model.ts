import type { BridgeDefinition, BridgeStatus } from '../../../src-shared/contract/index.js';

export interface BridgeForm {
  engine: BridgeDefinition['engine'];
  direction: BridgeDefinition['direction'];
  channel: string;
  source: string;
  /** '' (new messages only), or a whole number. */
  fromSeq: string;
}

export const EMPTY_BRIDGE_FORM: BridgeForm = { engine: 'nats', direction: 'out', channel: '*', source: '', fromSeq: '' };

const ENGINE_LABEL = { nats: 'NATS JetStream', redis: 'Redis Streams' } as const;

/** A free id for a new bridge: `<engine>-<direction>`, then -2, -3 ... */
export function nextBridgeId(existing: readonly BridgeDefinition[], form: Pick<BridgeForm, 'engine' | 'direction'>): string {
  const base = `${form.engine}-${form.direction}`;
  const taken = new Set(existing.map((b) => b.id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The definition the form describes, or what is wrong with it (by field), before the host is asked. */
export function bridgeOfForm(existing: readonly BridgeDefinition[], form: BridgeForm): { bridge: BridgeDefinition } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const channel = form.channel.trim();
  const source = form.source.trim();
  if (channel === '') errors.channel = form.direction === 'out' ? 'required: a channel, or * for every channel' : 'required: the channel the messages go to';
  else if (form.direction === 'in' && channel === '*') errors.channel = 'an in-bridge writes to one channel: name it';
  if (form.direction === 'in' && source === '') errors.source = form.engine === 'nats' ? 'required: the NATS subject to read' : 'required: the Redis stream key to read';
  const fromSeq = form.fromSeq.trim();
  if (form.direction === 'in' && fromSeq !== '' && !/^\d+$/.test(fromSeq)) errors.fromSeq = 'a whole number, or empty for new messages only';
  if (Object.keys(errors).length > 0) return { errors };
  const bridge: BridgeDefinition = { id: nextBridgeId(existing, form), engine: form.engine, direction: form.direction, channel };
  if (form.direction === 'in') {
    bridge.source = source;
    if (fromSeq !== '') bridge.fromSeq = Number(fromSeq);
  }
  return { bridge };
}

/** The host's field errors of the new (last) bridge (`bridges.<i>.<field>`) as the form's. */
export function formErrorsOf(fields: readonly { path: string; message: string }[], index: number): Record<string, string> {
  const prefix = `bridges.${index}.`;
  return Object.fromEntries(fields.filter((f) => f.path.startsWith(prefix)).map((f) => [f.path.slice(prefix.length), f.message]));
}

/** "telemetry → NATS JetStream", "Redis Streams ext:events → events". */
export function routeOf(bridge: BridgeDefinition, stream: string, prefix = 'streams'): string {
  const channel = bridge.channel === '*' ? 'every channel' : bridge.channel;
  if (bridge.direction === 'in') return `${ENGINE_LABEL[bridge.engine]} ${bridge.source ?? ''} → ${channel}`;
  const target = bridge.engine === 'nats' ? `${prefix}.${stream}.${bridge.channel === '*' ? '>' : bridge.channel}` : `${prefix}:${stream}:${bridge.channel}`;
  return `${channel} → ${ENGINE_LABEL[bridge.engine]} ${target}`;
}

/** Lag as people read it: "—" when nothing waits, "850 ms", "12 s", "3 min". */
export function lagText(ms: number): string {
  if (ms <= 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** What the state cell says; an engine without a URL says where to set it. */
export function stateText(status: BridgeStatus | undefined, engine: BridgeDefinition['engine']): string {
  if (!status) return '…';
  if (status.state === 'off') return `off: set bridges.${engine}Url in Settings`;
  return status.state;
}
