import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src-shared/contract/data.js';
import { silentLogger } from '../../core/logger.js';
import { openDatabase, type Db } from '../../store/db.js';
import type { PublishInput } from '../types.js';
import { ChatService } from './chat-service.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-chat-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const viewer = { studio: false, remoteAddress: '10.0.0.1' };
const studio = { studio: true, remoteAddress: '127.0.0.1' };
const ANCHOR = 1_800_000_000_000;

function harness() {
  const db: Db = openDatabase(path.join(tmp, `chat-${Math.random().toString(36).slice(2)}.db`));
  const events: ChatMessage[] = [];
  const published: PublishInput[] = [];
  const redacted: { stream: string; channel: string; id: string; replacement: unknown }[] = [];
  const clock = { now: ANCHOR, media: 5000 as number | null };
  const chat = new ChatService({
    db,
    bus: { emit: (_event, payload) => void events.push(payload as ChatMessage) },
    hub: {
      publish: (input) => (published.push(input), {} as never),
      redact: (stream, channel, id, replacement) => void redacted.push({ stream, channel, id, replacement }),
    },
    clock: { stamp: () => (clock.media === null ? { mediaTime: null, programDateTime: null } : { mediaTime: clock.media, programDateTime: ANCHOR + clock.media }) },
    access: { reader: (name, c) => name !== 'secret' || c.query?.sig === 'good' },
    streams: { exists: (name) => ['show', 'secret'].includes(name) },
    videos: { exists: (id) => id === 'vid_aaaaaaaaaaaa', readable: () => true },
    logger: silentLogger(),
    now: () => clock.now,
  });
  return { db, chat, events, published, redacted, clock };
}

describe('ChatService', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('a viewer joins, sends a stamped line that is stored, on the bus and on the hub channel; a returning token keeps its id', () => {
    const a = h.chat.join({ room: 'stream:show', displayName: ' Ann\u202E ' }, viewer);
    expect(a.viewerId).toMatch(/^cv_[a-z0-9]{16}$/);
    expect(a.displayName).toBe('Ann');
    const line = h.chat.send({ room: 'stream:show', text: 'hello  there', viewerToken: a.viewerToken }, viewer);
    expect(line).toMatchObject({ seq: 1, viewerId: a.viewerId, displayName: 'Ann', text: 'hello there', mediaTime: 5000, programDateTime: ANCHOR + 5000, deleted: false, signedIn: false });
    expect(h.events).toEqual([line]);
    expect(h.published[0]).toMatchObject({ stream: 'show', channel: 'chat', mediaTime: 5000, data: { type: 'chat', id: line.id, text: 'hello there' }, source: { kind: 'studio' } });
    const again = h.chat.join({ room: 'stream:show', displayName: 'Annie', viewerToken: a.viewerToken }, viewer);
    expect(again.viewerId).toBe(a.viewerId);
    expect(h.chat.send({ room: 'stream:show', text: 'two', viewerToken: a.viewerToken }, viewer)).toMatchObject({ seq: 2, displayName: 'Annie' });
    // The token of one room is no key to another.
    expect(() => h.chat.send({ room: 'stream:secret', text: 'x', viewerToken: a.viewerToken, sig: 'good' }, viewer)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(h.db.prepare('SELECT token_hash FROM chat_viewers').pluck().get()).not.toBe(a.viewerToken);
    // New viewers from one address are limited; returning ones are not new.
    for (let i = 0; i < 19; i++) h.chat.join({ room: 'stream:show', displayName: `v${i}` }, viewer);
    expect(() => h.chat.join({ room: 'stream:show', displayName: 'one too many' }, viewer)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(h.chat.join({ room: 'stream:show', displayName: 'Ann', viewerToken: a.viewerToken }, viewer).viewerId).toBe(a.viewerId);
    expect(h.chat.join({ room: 'stream:show', displayName: 'elsewhere' }, { studio: false, remoteAddress: '10.0.0.2' }).viewerId).toMatch(/^cv_/);
  });

  it('refuses unknown rooms, private rooms without the signature, anonymous viewers of a closed room', () => {
    expect(() => h.chat.join({ room: 'stream:nope', displayName: 'x' }, viewer)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => h.chat.join({ room: 'stream:secret', displayName: 'x' }, viewer)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(h.chat.join({ room: 'stream:secret', displayName: 'x', sig: 'good' }, viewer).viewerId).toMatch(/^cv_/);
    expect(() => h.chat.list({ room: 'stream:secret' }, viewer)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    const a = h.chat.join({ room: 'stream:show', displayName: 'a' }, viewer);
    h.chat.updateSettings('stream:show', { anonymous: false });
    expect(() => h.chat.join({ room: 'stream:show', displayName: 'b' }, viewer)).toThrow(expect.objectContaining({ code: 'CHAT_CLOSED' }));
    expect(() => h.chat.send({ room: 'stream:show', text: 'hi', viewerToken: a.viewerToken }, viewer)).toThrow(expect.objectContaining({ code: 'CHAT_CLOSED' }));
    expect(h.chat.send({ room: 'stream:show', text: 'from the desk' }, studio)).toMatchObject({ viewerId: 'studio', signedIn: true });
    expect(() => h.chat.send({ room: 'stream:show', text: 'hi' }, viewer)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('bans and time-outs stop a viewer, unban lifts them, a time-out ends by itself', () => {
    const a = h.chat.join({ room: 'stream:show', displayName: 'troll' }, viewer);
    const ban = h.chat.ban({ room: 'stream:show', viewerId: a.viewerId, reason: 'spam' });
    expect(ban).toMatchObject({ viewerId: a.viewerId, displayName: 'troll', until: null, reason: 'spam' });
    expect(() => h.chat.send({ room: 'stream:show', text: 'hi', viewerToken: a.viewerToken }, viewer)).toThrow(expect.objectContaining({ code: 'CHAT_BANNED' }));
    // Joining again with the same token is the same, banned viewer.
    h.chat.join({ room: 'stream:show', displayName: 'troll2', viewerToken: a.viewerToken }, viewer);
    expect(() => h.chat.send({ room: 'stream:show', text: 'hi', viewerToken: a.viewerToken }, viewer)).toThrow(expect.objectContaining({ code: 'CHAT_BANNED' }));
    expect(h.chat.bans('stream:show').map((b) => b.viewerId)).toEqual([a.viewerId]);
    expect(h.chat.unban('stream:show', a.viewerId)).toBe(true);
    expect(h.chat.unban('stream:show', a.viewerId)).toBe(false);
    h.chat.send({ room: 'stream:show', text: 'sorry', viewerToken: a.viewerToken }, viewer);

    h.chat.ban({ room: 'stream:show', viewerId: a.viewerId, seconds: 300 });
    h.clock.now += 299_000;
    expect(() => h.chat.send({ room: 'stream:show', text: 'x', viewerToken: a.viewerToken }, viewer)).toThrow(expect.objectContaining({ code: 'CHAT_BANNED', details: expect.objectContaining({ until: ANCHOR + 300_000 }) }));
    h.clock.now += 1000;
    expect(h.chat.bans('stream:show')).toEqual([]);
    expect(h.chat.send({ room: 'stream:show', text: 'back', viewerToken: a.viewerToken }, viewer).text).toBe('back');
    expect(() => h.chat.ban({ room: 'stream:show', viewerId: 'cv_0000000000000000' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('slow mode and the rate say how long to wait; the filter refuses words and links; the studio is not limited', () => {
    const a = h.chat.join({ room: 'stream:show', displayName: 'a' }, viewer);
    const b = h.chat.join({ room: 'stream:show', displayName: 'b' }, viewer);
    h.chat.updateSettings('stream:show', { slowModeSec: 10, blockedWords: [' Darn ', 'darn'] });
    expect(h.chat.settings('stream:show').blockedWords).toEqual(['Darn']);
    const send = (who: typeof a, text: string) => h.chat.send({ room: 'stream:show', text, viewerToken: who.viewerToken }, viewer);
    send(a, 'one');
    h.clock.now += 4000;
    expect(() => send(a, 'two')).toThrow(expect.objectContaining({ code: 'CHAT_SLOW_MODE', details: expect.objectContaining({ reason: 'slow-mode', retryAfterSec: 6 }) }));
    send(b, 'other viewer is free');
    h.clock.now += 6000;
    send(a, 'two');
    h.clock.now += 10_000;
    expect(() => send(a, 'DÁRN it')).toThrow(expect.objectContaining({ code: 'CHAT_FILTERED', details: { reason: 'blocked-word' } }));
    expect(() => send(a, 'see spam.io')).toThrow(expect.objectContaining({ code: 'CHAT_FILTERED', details: { reason: 'link' } }));
    // Refused lines count for nothing: the next one goes.
    send(a, 'fine');
    for (let i = 0; i < 3; i++) h.chat.send({ room: 'stream:show', text: `desk ${i} see studio.tv` }, studio);

    h.chat.updateSettings('stream:show', { slowModeSec: 0, perMinute: 2 });
    h.clock.now += 60_000;
    send(b, '1');
    send(b, '2');
    expect(() => send(b, '3')).toThrow(expect.objectContaining({ code: 'CHAT_SLOW_MODE', details: expect.objectContaining({ reason: 'rate', retryAfterSec: 60 }) }));
    expect(() => h.chat.updateSettings('stream:show', { perMinute: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('delete hides a line from viewers and tells everyone; list by seq and program time; export keeps everything', () => {
    const a = h.chat.join({ room: 'stream:show', displayName: 'a' }, viewer);
    const lines = [1, 2, 3].map((i) => {
      h.clock.media = i * 1000;
      return h.chat.send({ room: 'stream:show', text: `line ${i}` }, studio);
    });
    expect(h.chat.delete('stream:show', lines[1]!.id)).toBe(true);
    expect(h.chat.delete('stream:show', lines[1]!.id)).toBe(false);
    expect(h.events.at(-1)).toMatchObject({ id: lines[1]!.id, deleted: true });
    expect(h.published.at(-1)).toMatchObject({ channel: 'chat', data: { type: 'chat-delete', id: lines[1]!.id } });
    // Its message on the hub's chat channel is replaced by the removal (replays must not give the text back).
    expect(h.redacted).toEqual([{ stream: 'show', channel: 'chat', id: lines[1]!.id, replacement: expect.objectContaining({ type: 'chat-delete' }) }]);
    expect(h.chat.list({ room: 'stream:show' }, viewer).map((m) => m.text)).toEqual(['line 1', 'line 3']);
    expect(h.chat.list({ room: 'stream:show', afterSeq: 1 }, viewer).map((m) => m.seq)).toEqual([3]);
    expect(h.chat.list({ room: 'stream:show', limit: 1 }, viewer).map((m) => m.seq)).toEqual([3]);
    expect(h.chat.list({ room: 'stream:show', fromPdt: ANCHOR + 1000, toPdt: ANCHOR + 2500 }, viewer).map((m) => m.seq)).toEqual([1]);
    h.chat.ban({ room: 'stream:show', viewerId: a.viewerId, seconds: 60 });
    const exported = h.chat.export('stream:show');
    expect(exported.messages.map((m) => [m.seq, m.deleted, m.mediaTime])).toEqual([[1, false, 1000], [2, true, 2000], [3, false, 3000]]);
    expect(exported.bans).toHaveLength(1);
  });

  it('a video room has no media time and no hub channel; a video from a recording replays its stream\'s chat over its span', () => {
    const line = h.chat.send({ room: 'video:vid_aaaaaaaaaaaa', text: 'nice video' }, studio);
    expect(line).toMatchObject({ mediaTime: null, programDateTime: null });
    expect(h.published).toHaveLength(0);
    expect(() => h.chat.settings('video:vid_bbbbbbbbbbbb')).not.toThrow();
    h.db.prepare(`INSERT INTO recordings (id, stream, file, container, state, started_at, duration_sec, start_pdt) VALUES ('rec_1', 'show', 'f', 'mp4', 'done', ?, 12.5, ?)`).run(ANCHOR - 40, ANCHOR);
    h.db
      .prepare(`INSERT INTO videos (id, owner, title, description, visibility, tags, source, recording_id, file_name, state, preset, created_at, updated_at)
                VALUES ('vid_rrrrrrrrrrrr', 'o', 't', '', 'public', '[]', 'recording', 'rec_1', 'f', 'ready', 'web', 0, 0)`)
      .run();
    for (const media of [-1000, 2000, 12_000, 13_000]) {
      h.clock.media = media;
      h.chat.send({ room: 'stream:show', text: `at ${media}` }, studio);
    }
    const panel = h.chat.watchPanel('vid_rrrrrrrrrrrr');
    expect(panel).toMatchObject({ room: 'stream:show', replay: { startPdt: ANCHOR, endPdt: ANCHOR + 12_500 } });
    expect(panel.replay!.lines.map((l) => [l.text, l.programDateTime])).toEqual([['at 2000', ANCHOR + 2000], ['at 12000', ANCHOR + 12_000]]);
    expect(h.chat.watchPanel('vid_aaaaaaaaaaaa')).toEqual({ room: 'video:vid_aaaaaaaaaaaa' });
  });
});
