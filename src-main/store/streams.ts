import crypto from 'node:crypto';
import type { EncodeOn, EncryptionMode, LadderPreset, LatencyMode, PlayAuth, PublishAuth, StreamState } from '../../src-shared/contract/index.js';
import { p2pSettingsOf, type P2pSettings } from '../../src-shared/p2p.js';
import { prepared, type Db } from './db.js';

export interface StreamRecord {
  name: string;
  ladder: LadderPreset;
  latency: LatencyMode;
  dvrMinutes: number;
  private: boolean;
  record: boolean;
  publishAuth: PublishAuth;
  playAuth: PlayAuth;
  /** Most viewers at once; 0: the host's limit. */
  maxViewers: number;
  /** How its HLS output is encrypted (from its next live run on). */
  encryption: EncryptionMode;
  /** Where its content keys come from; '': the host's key provider (live.keyProviderUrl), or its own keys. */
  keyProviderUrl: string;
  /** The bearer token sent to its own key provider, sealed (SecretBox, context keyProviderTokenContext); null: none. */
  keyProviderTokenEnc: string | null;
  /** What the API shows of that token (…abcd). */
  keyProviderTokenHint: string | null;
  /** Whether its HLS viewers share segments with each other, and the caps. */
  p2p: P2pSettings;
  /** Where its ladder is encoded: here, or on a runner when one is free (low latency only). */
  encodeOn: EncodeOn;
  createdAt: number;
  state: StreamState;
  stateAt: number;
  stateReason: string | null;
}

/** What PATCH /streams/:name may change. */
export type StreamPatch = Partial<Pick<StreamRecord, 'ladder' | 'latency' | 'dvrMinutes' | 'private' | 'record' | 'publishAuth' | 'playAuth' | 'maxViewers' | 'encryption' | 'keyProviderUrl' | 'keyProviderTokenEnc' | 'keyProviderTokenHint' | 'p2p' | 'encodeOn'>>;

/** The SecretBox context of a stream's key provider token (a sealed token copied onto another stream does not open). */
export const keyProviderTokenContext = (name: string): string => `stream-key-provider:${name}`;

interface Row {
  name: string;
  ladder: string;
  latency: string;
  dvr_minutes: number;
  private: number;
  record: number;
  publish_auth: string;
  play_auth: string;
  max_viewers: number;
  encryption: string;
  key_provider_url: string;
  key_provider_token_enc: string | null;
  key_provider_token_hint: string | null;
  p2p: string;
  encode_on: string;
  created_at: number;
  state: string;
  state_at: number;
  state_reason: string | null;
}

const fromRow = (r: Row): StreamRecord => ({
  name: r.name,
  ladder: r.ladder as LadderPreset,
  latency: r.latency === 'low' ? 'low' : 'standard',
  dvrMinutes: r.dvr_minutes,
  private: r.private === 1,
  record: r.record === 1,
  publishAuth: r.publish_auth === 'jwt' || r.publish_auth === 'webhook' ? r.publish_auth : 'key',
  playAuth: r.play_auth === 'jwt' || r.play_auth === 'webhook' ? r.play_auth : 'default',
  maxViewers: r.max_viewers,
  encryption: r.encryption === 'aes-128' || r.encryption === 'cbcs' ? r.encryption : 'none',
  keyProviderUrl: r.key_provider_url,
  keyProviderTokenEnc: r.key_provider_token_enc,
  keyProviderTokenHint: r.key_provider_token_hint,
  p2p: p2pSettingsOf(safeJson(r.p2p)),
  encodeOn: r.encode_on === 'runner' ? 'runner' : 'origin',
  createdAt: r.created_at,
  state: r.state as StreamState,
  stateAt: r.state_at,
  stateReason: r.state_reason,
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const hashKey = (key: string): string => crypto.createHash('sha256').update(key).digest('hex');

/** A new stream key: URL-safe (it goes into the RTMP path and SRT streamid), 160 bits. */
export function newStreamKey(): string {
  return `sk_${crypto.randomBytes(20).toString('base64url')}`;
}

/**
 * Each database's streams as `get` last read them (a miss kept as null), until a write of a StreamStore
 * on that database (the streams table is written here only). `get` runs on every playlist, part and
 * segment request (the HLS routes' lookup, admission, the DVR window): read from SQLite each time it
 * was 9.5 % of a busy host's CPU in bench/soak.
 */
const readStreams = new WeakMap<Db, Map<string, StreamRecord | null>>();

const copyOf = (record: StreamRecord): StreamRecord => ({ ...record, p2p: { ...record.p2p } });

/** Streams and their keys. Only a hash of each key is stored: the key itself is shown once. */
export class StreamStore {
  private readonly read: Map<string, StreamRecord | null>;

  constructor(private readonly db: Db) {
    let read = readStreams.get(db);
    if (!read) readStreams.set(db, (read = new Map()));
    this.read = read;
  }

  list(): StreamRecord[] {
    return (prepared(this.db, 'SELECT * FROM streams ORDER BY created_at, name').all() as Row[]).map(fromRow);
  }

  get(name: string): StreamRecord | undefined {
    let record = this.read.get(name);
    if (record === undefined) {
      const row = prepared(this.db, 'SELECT * FROM streams WHERE name = ?').get(name) as Row | undefined;
      record = row ? fromRow(row) : null;
      // Misses too (a viewer asking for a stream that does not exist), but not an unbounded set of names.
      if (record !== null || this.read.size < 10_000) this.read.set(name, record);
    }
    return record === null ? undefined : copyOf(record);
  }

  /** The stream a key publishes to, if the key is current. */
  byKey(key: string): StreamRecord | undefined {
    const row = prepared(this.db, 'SELECT * FROM streams WHERE key_hash = ?').get(hashKey(key)) as Row | undefined;
    return row && fromRow(row);
  }

  /** Inserts a stream; returns false when the name is taken. */
  create(
    record: Omit<StreamRecord, 'state' | 'stateAt' | 'stateReason' | 'publishAuth' | 'playAuth' | 'maxViewers' | 'encryption' | 'keyProviderUrl' | 'keyProviderTokenEnc' | 'keyProviderTokenHint' | 'p2p' | 'encodeOn'> &
      Partial<Pick<StreamRecord, 'publishAuth' | 'playAuth' | 'maxViewers' | 'encryption' | 'keyProviderUrl' | 'keyProviderTokenEnc' | 'keyProviderTokenHint' | 'p2p' | 'encodeOn'>>,
    key: string,
  ): boolean {
    this.read.delete(record.name);
    const result = this.db
      .prepare(
        'INSERT OR IGNORE INTO streams (name, key_hash, ladder, latency, dvr_minutes, private, record, publish_auth, play_auth, max_viewers, encryption, key_provider_url, key_provider_token_enc, key_provider_token_hint, p2p, encode_on, created_at, state, state_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        record.name, hashKey(key), record.ladder, record.latency, record.dvrMinutes, record.private ? 1 : 0, record.record ? 1 : 0,
        record.publishAuth ?? 'key', record.playAuth ?? 'default', record.maxViewers ?? 0, record.encryption ?? 'none', record.keyProviderUrl ?? '',
        record.keyProviderTokenEnc ?? null, record.keyProviderTokenHint ?? null, JSON.stringify(p2pSettingsOf(record.p2p)), record.encodeOn ?? 'origin', record.createdAt, 'idle', record.createdAt,
      );
    return result.changes === 1;
  }

  update(name: string, patch: StreamPatch): void {
    const current = this.get(name);
    if (!current) return;
    const next = { ...current, ...patch };
    this.read.delete(name);
    this.db
      .prepare(
        'UPDATE streams SET ladder = ?, latency = ?, dvr_minutes = ?, private = ?, record = ?, publish_auth = ?, play_auth = ?, max_viewers = ?, encryption = ?, key_provider_url = ?, key_provider_token_enc = ?, key_provider_token_hint = ?, p2p = ?, encode_on = ? WHERE name = ?',
      )
      .run(
        next.ladder, next.latency, next.dvrMinutes, next.private ? 1 : 0, next.record ? 1 : 0, next.publishAuth, next.playAuth, next.maxViewers, next.encryption,
        next.keyProviderUrl, next.keyProviderTokenEnc, next.keyProviderTokenHint, JSON.stringify(p2pSettingsOf(next.p2p)), next.encodeOn, name,
      );
  }

  setKey(name: string, key: string): void {
    this.read.delete(name);
    prepared(this.db, 'UPDATE streams SET key_hash = ? WHERE name = ?').run(hashKey(key), name);
  }

  setState(name: string, state: StreamState, at: number, reason: string | null): void {
    this.read.delete(name);
    prepared(this.db, 'UPDATE streams SET state = ?, state_at = ?, state_reason = ? WHERE name = ?').run(state, at, reason, name);
  }

  delete(name: string): boolean {
    this.read.delete(name);
    return prepared(this.db, 'DELETE FROM streams WHERE name = ?').run(name).changes === 1;
  }

  /** A secret kept in the database, created at first use (signing keys). */
  secret(name: string, create: () => string): string {
    const row = prepared(this.db, 'SELECT value FROM secrets WHERE name = ?').get(name) as { value: string } | undefined;
    if (row) return row.value;
    const value = create();
    prepared(this.db, 'INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)').run(name, value, Date.now());
    return value;
  }
}
