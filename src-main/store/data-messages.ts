import { decode, encode } from '@msgpack/msgpack';
import type { DataMessage, DataSource } from '../../src-shared/contract/data.js';
import type { Db } from './db.js';

interface Row {
  stream: string;
  channel: string;
  seq: number;
  at: number;
  media_time: number | null;
  pdt: number | null;
  content_type: string;
  body: Buffer;
  source: string;
}

export interface MessageQuery {
  afterSeq?: number;
  fromPdt?: number;
  toPdt?: number;
  limit: number;
}

function toRow(m: DataMessage, raw?: Buffer): unknown[] {
  // A MessagePack message keeps its own bytes; a JSON one its text (both decode back to `data`).
  const body = m.contentType === 'application/msgpack' ? (raw ?? Buffer.from(encode(m.data))) : Buffer.from(JSON.stringify(m.data ?? null));
  return [m.stream, m.channel, m.seq, m.at, m.mediaTime, m.programDateTime, m.contentType, body, JSON.stringify(m.source)];
}

function fromRow(r: Row): DataMessage {
  // A Protobuf message is kept as its JSON (what it was decoded to): only its type says how it came.
  const contentType = r.content_type === 'application/msgpack' || r.content_type === 'application/x-protobuf' ? r.content_type : 'application/json';
  return {
    id: `${r.channel}:${r.seq}`,
    stream: r.stream,
    channel: r.channel,
    seq: r.seq,
    at: r.at,
    mediaTime: r.media_time,
    programDateTime: r.pdt,
    contentType,
    data: contentType === 'application/msgpack' ? decode(r.body) : JSON.parse(r.body.toString('utf8')),
    source: JSON.parse(r.source) as DataSource,
  };
}

/** Published data messages, kept `data.retentionDays` for replay with the DVR and recordings. */
export class DataMessageStore {
  constructor(private readonly db: Db) {}

  /** One transaction for a batch: the hub flushes every few tens of ms, not one fsync per message. */
  insertMany(items: readonly { message: DataMessage; raw?: Buffer }[]): void {
    if (items.length === 0) return;
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO data_messages (stream, channel, seq, at, media_time, pdt, content_type, body, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const { message, raw } of items) insert.run(...toRow(message, raw));
    })();
  }

  /** The newest messages of a channel, oldest first (a channel's memory after a restart). */
  latest(stream: string, channel: string, count: number): DataMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM data_messages WHERE stream = ? AND channel = ? ORDER BY seq DESC LIMIT ?')
      .all(stream, channel, count) as Row[];
    return rows.reverse().map(fromRow);
  }

  /** Replaces the JSON body of a channel's kept messages whose data has `id` (a deleted chat line); how many. */
  redact(stream: string, channel: string, id: string, replacement: unknown): number {
    return this.db
      .prepare(
        "UPDATE data_messages SET body = ? WHERE stream = ? AND channel = ? AND content_type = 'application/json' AND json_extract(CAST(body AS TEXT), '$.id') = ?",
      )
      .run(Buffer.from(JSON.stringify(replacement)), stream, channel, id).changes;
  }

  lastSeq(stream: string, channel: string): number {
    const row = this.db.prepare('SELECT MAX(seq) AS seq FROM data_messages WHERE stream = ? AND channel = ?').get(stream, channel) as { seq: number | null };
    return row.seq ?? 0;
  }

  /** Every channel the stream has kept messages in, with its newest seq and time. */
  channels(stream: string): { channel: string; lastSeq: number; lastAt: number }[] {
    return this.db
      .prepare('SELECT channel, MAX(seq) AS lastSeq, MAX(at) AS lastAt FROM data_messages WHERE stream = ? GROUP BY channel')
      .all(stream) as { channel: string; lastSeq: number; lastAt: number }[];
  }

  list(stream: string, channel: string, q: MessageQuery): DataMessage[] {
    const where = ['stream = ?', 'channel = ?'];
    const args: unknown[] = [stream, channel];
    const add = (clause: string, value: number | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    add('seq > ?', q.afterSeq);
    add('pdt >= ?', q.fromPdt);
    add('pdt <= ?', q.toPdt);
    const rows = this.db.prepare(`SELECT * FROM data_messages WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...args, q.limit) as Row[];
    return rows.map(fromRow);
  }

  /** Streams with messages accepted since `at` (the windows rebuilt at start). */
  streamsSince(at: number): string[] {
    return (this.db.prepare('SELECT DISTINCT stream FROM data_messages WHERE at >= ?').all(at) as { stream: string }[]).map((r) => r.stream);
  }

  /** A stream's newest `limit` messages accepted since `at` in every channel but `except`, oldest first. */
  since(stream: string, at: number, limit: number, except: string): DataMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM data_messages WHERE at >= ? AND stream = ? AND channel != ? ORDER BY at DESC, seq DESC LIMIT ?')
      .all(at, stream, except, limit) as Row[];
    return rows.reverse().map(fromRow);
  }

  /** Removes messages accepted before `at`; returns how many. */
  deleteBefore(at: number): number {
    return this.db.prepare('DELETE FROM data_messages WHERE at < ?').run(at).changes;
  }
}
