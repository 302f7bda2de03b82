import crypto from 'node:crypto';
import { chatSettingsSchema, type ChatBan, type ChatMessage, type ChatSettings } from '../../../src-shared/contract/data.js';
import type { EventBus } from '../../core/bus.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../store/db.js';
import type { ChatCaller, ChatPort, DataAccessPort, DataHubPort, SignatureQuery, StreamClockPort } from '../types.js';
import type { ChatPanelOptions } from './chat-panel.js';
import { ChatStore, hashToken, type ChatViewer } from './chat-store.js';
import { cleanChatText, filterChatText, foldText } from './filter.js';
import { ChatRateLimits } from './rate.js';

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { anonymous: true, slowModeSec: 0, perMinute: 20, links: false, blockedWords: [], maxLength: 300 };
export const CHAT_CHANNEL = 'chat';
const LIST_DEFAULT = 200;
/** Lines a replay page carries at most (each at most maxLength characters). */
const REPLAY_MAX = 2000;
const STUDIO_VIEWER_ID = 'studio';
const JOIN_RATE = { slowModeSec: 0, perMinute: 20 };

export interface ChatServiceOptions {
  db: Db;
  bus: Pick<EventBus, 'emit'>;
  hub: Pick<DataHubPort, 'publish' | 'redact'>;
  clock: Pick<StreamClockPort, 'stamp'>;
  access: Pick<DataAccessPort, 'reader'>;
  streams: { exists(name: string): boolean };
  /** `readable`: a public video, or a private one's URL signed for `vod/<id>` (UrlSigner.verify). */
  videos: { exists(id: string): boolean; readable(id: string, query: SignatureQuery, ip: string): boolean };
  logger: Logger;
  /** The name the studio's own lines carry. */
  studioName?: () => string;
  now?: () => number;
}

type Room = { kind: 'stream'; name: string } | { kind: 'video'; id: string };

const roomOf = (room: string): Room => (room.startsWith('stream:') ? { kind: 'stream', name: room.slice(7) } : { kind: 'video', id: room.slice(6) });
const newViewerId = (): string => `cv_${crypto.randomBytes(16).toString('hex').slice(0, 16)}`;
const newMessageId = (): string => `cm_${crypto.randomBytes(12).toString('base64url')}`;
const signatureOf = (input: SignatureQuery): SignatureQuery => ({
  ...(input.exp !== undefined ? { exp: input.exp } : {}),
  ...(input.sig !== undefined ? { sig: input.sig } : {}),
  ...(input.ip !== undefined ? { ip: input.ip } : {}),
});

/**
 * Chat rooms `stream:<name>` and `video:<id>` on SQLite. A viewer joins with a display name and gets an
 * id and a token (only its hash is kept); each line passes ban, slow mode, rate and filter, is stamped
 * with the stream's media clock, stored, emitted as `chat.message` on the bus and published to the
 * stream's hub channel `chat` (`{type:'chat', ...line}`, `{type:'chat-delete', id}`) for the SSE,
 * WebSocket, MQTT and overlay subscribers. The studio (API token or session) moderates and is not limited.
 */
export class ChatService implements ChatPort {
  private readonly store: ChatStore;
  private readonly limits = new ChatRateLimits();
  /** New viewers per address: each join is a row, so a loop of anonymous joins is held back. */
  private readonly joins = new ChatRateLimits(10_000);
  private readonly now: () => number;

  constructor(private readonly o: ChatServiceOptions) {
    this.store = new ChatStore(o.db);
    this.now = o.now ?? Date.now;
  }

  join(input: { room: string; displayName: string; viewerToken?: string } & SignatureQuery, caller: ChatCaller) {
    this.admit(input.room, input, caller);
    const settings = this.settings(input.room);
    const displayName = [...cleanChatText(input.displayName)].slice(0, 32).join('') || 'viewer';
    if (!settings.anonymous && !caller.studio) throw new StudioError('CHAT_CLOSED', 'this chat does not take anonymous viewers');
    // A returning viewer keeps its id (and so its bans); a new token is issued only to a new viewer.
    const known = input.viewerToken ? this.store.viewerByToken(input.room, hashToken(input.viewerToken)) : null;
    if (known && input.viewerToken) {
      if (known.displayName !== displayName) this.store.rename(known.id, displayName);
      return { viewerId: known.id, viewerToken: input.viewerToken, displayName, settings };
    }
    if (!caller.studio) {
      const now = this.now();
      const verdict = this.joins.check(caller.remoteAddress, now, JOIN_RATE);
      if (!verdict.ok) throw new StudioError('RATE_LIMITED', `at most ${JOIN_RATE.perMinute} new chat viewers a minute from one address`, { retryAfterSec: Math.ceil(verdict.retryAfterMs / 1000) });
      this.joins.record(caller.remoteAddress, now, JOIN_RATE);
    }
    const viewerToken = crypto.randomBytes(24).toString('base64url');
    const viewer: ChatViewer = { id: newViewerId(), room: input.room, displayName, signedIn: caller.studio };
    this.store.addViewer(viewer, hashToken(viewerToken), caller.remoteAddress, this.now());
    return { viewerId: viewer.id, viewerToken, displayName, settings };
  }

  send(input: { room: string; text: string; viewerToken?: string } & SignatureQuery, caller: ChatCaller): ChatMessage {
    const room = this.admit(input.room, input, caller);
    const settings = this.settings(input.room);
    const now = this.now();
    let viewer: ChatViewer;
    if (input.viewerToken) {
      const found = this.store.viewerByToken(input.room, hashToken(input.viewerToken));
      if (!found) throw new StudioError('UNAUTHORIZED', 'unknown viewer token: join the chat first');
      viewer = found;
    } else if (caller.studio) {
      viewer = { id: STUDIO_VIEWER_ID, room: input.room, displayName: this.o.studioName?.() ?? 'Studio', signedIn: true };
    } else {
      throw new StudioError('UNAUTHORIZED', 'join the chat first: a viewer sends with its viewer token');
    }
    const moderator = caller.studio || viewer.id === STUDIO_VIEWER_ID;
    if (!moderator) {
      if (!settings.anonymous && !viewer.signedIn) throw new StudioError('CHAT_CLOSED', 'this chat does not take anonymous viewers');
      const ban = this.store.banOf(input.room, viewer.id, now);
      if (ban) throw new StudioError('CHAT_BANNED', ban.until === null ? 'you are banned from this chat' : 'you are timed out', { until: ban.until, reason: ban.reason });
      const rate = this.limits.check(`${input.room} ${viewer.id}`, now, settings);
      if (!rate.ok) {
        const retryAfterSec = Math.ceil(rate.retryAfterMs / 1000);
        throw new StudioError(
          'CHAT_SLOW_MODE',
          rate.reason === 'slow-mode' ? `slow mode: one message every ${settings.slowModeSec} s` : `at most ${settings.perMinute} messages a minute`,
          { reason: rate.reason, retryAfterSec, retryAfterMs: rate.retryAfterMs },
        );
      }
    }
    const verdict = filterChatText(input.text, moderator ? { ...settings, blockedWords: [], links: true } : settings);
    if (!verdict.ok) {
      const words = { empty: 'the message is empty', 'too-long': `a message is at most ${settings.maxLength} characters`, 'blocked-word': 'the message contains a blocked word', link: 'links are not allowed in this chat' };
      throw new StudioError('CHAT_FILTERED', words[verdict.reason], { reason: verdict.reason });
    }
    const stamp = room.kind === 'stream' ? this.o.clock.stamp(room.name) : { mediaTime: null, programDateTime: null };
    const line = this.store.insert(
      { id: newMessageId(), room: input.room, viewerId: viewer.id, displayName: viewer.displayName, signedIn: viewer.signedIn, text: verdict.text, at: now, ...stamp },
      caller.remoteAddress,
    );
    if (!moderator) this.limits.record(`${input.room} ${viewer.id}`, now, settings);
    this.announce(room, line, { type: 'chat', ...line });
    return line;
  }

  list(input: { room: string; afterSeq?: number; fromPdt?: number; toPdt?: number; limit?: number } & SignatureQuery, caller: ChatCaller): ChatMessage[] {
    this.admit(input.room, input, caller);
    return this.store.list(input.room, {
      ...(input.afterSeq !== undefined ? { afterSeq: input.afterSeq } : {}),
      ...(input.fromPdt !== undefined ? { fromPdt: input.fromPdt } : {}),
      ...(input.toPdt !== undefined ? { toPdt: input.toPdt } : {}),
      limit: Math.min(input.limit ?? LIST_DEFAULT, 1000),
      withDeleted: false,
    });
  }

  delete(room: string, id: string): boolean {
    const parsed = this.existing(room);
    const line = this.store.markDeleted(room, id, this.now());
    if (!line) return false;
    const removal = { type: 'chat-delete', id, room, seq: line.seq };
    // The line's own message on the hub's chat channel becomes the removal too: replays (SSE Last-Event-ID,
    // data.messages) must not hand the deleted text out again.
    if (parsed.kind === 'stream') this.o.hub.redact(parsed.name, CHAT_CHANNEL, id, removal);
    this.announce(parsed, line, removal);
    return true;
  }

  ban(input: { room: string; viewerId: string; seconds?: number; reason?: string }): ChatBan {
    this.existing(input.room);
    const viewer = this.store.viewer(input.room, input.viewerId);
    if (!viewer) throw new StudioError('NOT_FOUND', `no viewer "${input.viewerId}" in ${input.room}`);
    const at = this.now();
    const ban: ChatBan = { viewerId: viewer.id, displayName: viewer.displayName, until: input.seconds ? at + input.seconds * 1000 : null, reason: input.reason ?? null, at };
    this.store.ban(input.room, ban);
    this.o.logger.info({ room: input.room, viewerId: viewer.id, until: ban.until }, ban.until ? 'chat viewer timed out' : 'chat viewer banned');
    return ban;
  }

  unban(room: string, viewerId: string): boolean {
    this.existing(room);
    return this.store.unban(room, viewerId);
  }

  bans(room: string): ChatBan[] {
    this.existing(room);
    return this.store.bans(room, this.now());
  }

  settings(room: string): ChatSettings {
    const parsed = chatSettingsSchema.safeParse({ ...DEFAULT_CHAT_SETTINGS, ...this.store.settings(room) });
    return parsed.success ? parsed.data : { ...DEFAULT_CHAT_SETTINGS };
  }

  updateSettings(room: string, patch: Partial<ChatSettings>): ChatSettings {
    this.existing(room);
    const merged = { ...this.settings(room), ...patch };
    if (patch.blockedWords) {
      // One entry per word as the filter sees it ("Darn" and "darn" are one).
      const seen = new Set<string>();
      merged.blockedWords = patch.blockedWords.map((w) => w.trim()).filter((w) => w && !seen.has(foldText(w)) && seen.add(foldText(w)));
    }
    const parsed = chatSettingsSchema.safeParse(merged);
    if (!parsed.success) throw StudioError.validation(parsed.error, 'chat settings');
    this.store.saveSettings(room, parsed.data);
    return parsed.data;
  }

  export(room: string) {
    this.existing(room);
    const now = this.now();
    return { room, exportedAt: now, messages: this.store.all(room), bans: this.store.bans(room, now) };
  }

  /** The chat beside `/watch/<id>` (a page the viewer may already see): a recording's lines to replay, else the video's room. */
  watchPanel(videoId: string): ChatPanelOptions {
    const span = this.store.recordingSpan(videoId);
    if (!span) return { room: `video:${videoId}` };
    const lines = this.store.list(`stream:${span.stream}`, { fromPdt: span.startPdt, toPdt: span.endPdt, limit: REPLAY_MAX, withDeleted: false });
    return {
      room: `stream:${span.stream}`,
      replay: { startPdt: span.startPdt, endPdt: span.endPdt, lines: lines.map(({ id, displayName, text, programDateTime, signedIn }) => ({ id, displayName, text, programDateTime, signedIn })) },
    };
  }

  private existing(room: string): Room {
    const parsed = roomOf(room);
    const exists = parsed.kind === 'stream' ? this.o.streams.exists(parsed.name) : this.o.videos.exists(parsed.id);
    if (!exists) throw new StudioError('NOT_FOUND', `no chat room "${room}"`);
    return parsed;
  }

  /** The room exists and the caller may watch it: a private stream or video needs its signed URL's query. */
  private admit(room: string, signature: SignatureQuery, caller: ChatCaller): Room {
    const parsed = this.existing(room);
    if (caller.studio) return parsed;
    const query = signatureOf(signature);
    const ok =
      parsed.kind === 'stream'
        ? this.o.access.reader(parsed.name, { query: { ...query }, ip: caller.remoteAddress })
        : this.o.videos.readable(parsed.id, query, caller.remoteAddress);
    if (!ok) throw new StudioError('FORBIDDEN', `${room} is private: use the signed player URL's exp and sig`);
    return parsed;
  }

  private announce(room: Room, line: ChatMessage, data: Record<string, unknown>): void {
    this.o.bus.emit('chat.message', line);
    if (room.kind !== 'stream') return;
    try {
      this.o.hub.publish({
        stream: room.name,
        channel: CHAT_CHANNEL,
        contentType: 'application/json',
        data,
        ...(line.mediaTime !== null && data.type === 'chat' ? { mediaTime: line.mediaTime } : {}),
        source: { kind: 'studio', transport: 'internal', remoteAddress: null },
      });
    } catch (error) {
      // The line is stored and on the bus: a hub refusal must not fail the send.
      this.o.logger.warn({ err: error, room: line.room }, 'chat line not published to the data hub');
    }
  }
}
