import crypto from 'node:crypto';
import type { ChatBan, ChatMessage, ChatSettings } from '../../../src-shared/contract/data.js';
import { readJson, type Db } from '../../store/db.js';

/** The chat's tables (migration 8): lines, viewers (token hashes), bans and per-room settings. */

export interface ChatViewer {
  id: string;
  room: string;
  displayName: string;
  signedIn: boolean;
}

interface MessageRow {
  id: string;
  room: string;
  seq: number;
  viewer_id: string;
  display_name: string;
  signed_in: number;
  text: string;
  at: number;
  media_time: number | null;
  pdt: number | null;
  deleted_at: number | null;
}

interface BanRow {
  viewer_id: string;
  display_name: string | null;
  until: number | null;
  reason: string | null;
  at: number;
}

const toMessage = (r: MessageRow): ChatMessage => ({
  id: r.id,
  room: r.room,
  seq: r.seq,
  viewerId: r.viewer_id,
  displayName: r.display_name,
  signedIn: r.signed_in === 1,
  text: r.text,
  at: r.at,
  mediaTime: r.media_time,
  programDateTime: r.pdt,
  deleted: r.deleted_at !== null,
});

const toBan = (r: BanRow): ChatBan => ({ viewerId: r.viewer_id, displayName: r.display_name, until: r.until, reason: r.reason, at: r.at });

export const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('base64url');

export interface ListQuery {
  afterSeq?: number;
  fromPdt?: number;
  toPdt?: number;
  limit: number;
  withDeleted: boolean;
}

export class ChatStore {
  constructor(private readonly db: Db) {}

  addViewer(viewer: ChatViewer, tokenHash: string, ip: string, at: number): void {
    this.db
      .prepare('INSERT INTO chat_viewers (id, room, token_hash, display_name, signed_in, ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(viewer.id, viewer.room, tokenHash, viewer.displayName, viewer.signedIn ? 1 : 0, ip, at);
  }

  viewerByToken(room: string, tokenHash: string): ChatViewer | null {
    const row = this.db.prepare('SELECT id, room, display_name, signed_in FROM chat_viewers WHERE room = ? AND token_hash = ?').get(room, tokenHash) as
      | { id: string; room: string; display_name: string; signed_in: number }
      | undefined;
    return row ? { id: row.id, room: row.room, displayName: row.display_name, signedIn: row.signed_in === 1 } : null;
  }

  viewer(room: string, id: string): ChatViewer | null {
    const row = this.db.prepare('SELECT id, room, display_name, signed_in FROM chat_viewers WHERE room = ? AND id = ?').get(room, id) as
      | { id: string; room: string; display_name: string; signed_in: number }
      | undefined;
    return row ? { id: row.id, room: row.room, displayName: row.display_name, signedIn: row.signed_in === 1 } : null;
  }

  rename(id: string, displayName: string): void {
    this.db.prepare('UPDATE chat_viewers SET display_name = ? WHERE id = ?').run(displayName, id);
  }

  /** Inserts the line with the room's next seq, in one transaction (two sends never share a seq). */
  insert(line: Omit<ChatMessage, 'seq' | 'deleted'>, ip: string): ChatMessage {
    return this.db.transaction(() => {
      const { seq } = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM chat_messages WHERE room = ?').get(line.room) as { seq: number };
      this.db
        .prepare(
          `INSERT INTO chat_messages (id, room, seq, viewer_id, display_name, signed_in, text, ip, at, media_time, pdt)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(line.id, line.room, seq, line.viewerId, line.displayName, line.signedIn ? 1 : 0, line.text, ip, line.at, line.mediaTime, line.programDateTime);
      return { ...line, seq, deleted: false };
    })();
  }

  /** Oldest first. Without a seq or time bound: the newest `limit` lines. */
  list(room: string, q: ListQuery): ChatMessage[] {
    const where = ['room = ?'];
    const args: (string | number)[] = [room];
    if (!q.withDeleted) where.push('deleted_at IS NULL');
    if (q.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(q.afterSeq);
    }
    if (q.fromPdt !== undefined) {
      where.push('pdt >= ?');
      args.push(q.fromPdt);
    }
    if (q.toPdt !== undefined) {
      where.push('pdt <= ?');
      args.push(q.toPdt);
    }
    const bounded = q.afterSeq !== undefined || q.fromPdt !== undefined;
    const rows = this.db
      .prepare(`SELECT * FROM chat_messages WHERE ${where.join(' AND ')} ORDER BY seq ${bounded ? 'ASC' : 'DESC'} LIMIT ?`)
      .all(...args, q.limit) as MessageRow[];
    if (!bounded) rows.reverse();
    return rows.map(toMessage);
  }

  all(room: string): ChatMessage[] {
    return (this.db.prepare('SELECT * FROM chat_messages WHERE room = ? ORDER BY seq').all(room) as MessageRow[]).map(toMessage);
  }

  markDeleted(room: string, id: string, at: number): ChatMessage | null {
    const changed = this.db.prepare("UPDATE chat_messages SET deleted_at = ?, deleted_by = 'studio' WHERE room = ? AND id = ? AND deleted_at IS NULL").run(at, room, id);
    if (changed.changes === 0) return null;
    return toMessage(this.db.prepare('SELECT * FROM chat_messages WHERE id = ?').get(id) as MessageRow);
  }

  ban(room: string, ban: ChatBan): void {
    this.db
      .prepare(
        `INSERT INTO chat_bans (room, viewer_id, display_name, until, reason, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (room, viewer_id) DO UPDATE SET display_name = excluded.display_name, until = excluded.until, reason = excluded.reason, at = excluded.at`,
      )
      .run(room, ban.viewerId, ban.displayName, ban.until, ban.reason, ban.at);
  }

  unban(room: string, viewerId: string): boolean {
    return this.db.prepare('DELETE FROM chat_bans WHERE room = ? AND viewer_id = ?').run(room, viewerId).changes > 0;
  }

  /** Bans in force at `now`; time-outs that ran out are removed on the way. */
  bans(room: string, now: number): ChatBan[] {
    this.db.prepare('DELETE FROM chat_bans WHERE room = ? AND until IS NOT NULL AND until <= ?').run(room, now);
    return (this.db.prepare('SELECT * FROM chat_bans WHERE room = ? ORDER BY at').all(room) as BanRow[]).map(toBan);
  }

  banOf(room: string, viewerId: string, now: number): ChatBan | null {
    const row = this.db.prepare('SELECT * FROM chat_bans WHERE room = ? AND viewer_id = ? AND (until IS NULL OR until > ?)').get(room, viewerId, now) as BanRow | undefined;
    return row ? toBan(row) : null;
  }

  settings(room: string): Partial<ChatSettings> {
    const row = this.db.prepare('SELECT settings FROM chat_settings WHERE room = ?').get(room) as { settings: string } | undefined;
    return readJson<Partial<ChatSettings>>(row?.settings ?? null, {});
  }

  saveSettings(room: string, settings: ChatSettings): void {
    this.db
      .prepare('INSERT INTO chat_settings (room, settings) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET settings = excluded.settings')
      .run(room, JSON.stringify(settings));
  }

  /** The stream and program-time span of a video made from a recording, for the chat replay; null for an upload. */
  recordingSpan(videoId: string): { stream: string; startPdt: number; endPdt: number } | null {
    const row = this.db
      .prepare(
        `SELECT r.stream, r.start_pdt, r.started_at, r.ended_at, r.duration_sec FROM videos v JOIN recordings r ON r.id = v.recording_id
         WHERE v.id = ? AND v.source = 'recording'`,
      )
      .get(videoId) as { stream: string; start_pdt: number | null; started_at: number; ended_at: number | null; duration_sec: number } | undefined;
    if (!row) return null;
    // Recordings made before the media clock have no start_pdt: their wall-clock start is the best guess.
    const startPdt = row.start_pdt ?? row.started_at;
    const durationMs = row.duration_sec > 0 ? row.duration_sec * 1000 : (row.ended_at ?? row.started_at) - row.started_at;
    return { stream: row.stream, startPdt, endPdt: startPdt + durationMs };
  }
}
