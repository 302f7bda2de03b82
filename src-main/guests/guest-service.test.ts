import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JwtService } from '../auth/jwt.js';
import type { StudioError } from '../core/errors.js';
import { openDatabase, type Db } from '../store/db.js';
import { GuestStore } from '../store/guests.js';
import { JwtKeyStore } from '../store/jwt-keys.js';
import { GuestService } from './guest-service.js';

const caught = async (p: Promise<unknown>): Promise<StudioError> => {
  try {
    await p;
  } catch (error) {
    return error as StudioError;
  }
  throw new Error('no error');
};

describe('GuestService on SQLite and the host JWTs', () => {
  let db: Db;
  let service: GuestService;
  const events: { guest: { id: string; state: string } }[] = [];
  const disconnected: string[] = [];

  beforeEach(() => {
    db = openDatabase(':memory:');
    const jwt = new JwtService({ keys: new JwtKeyStore(db), config: () => ({ jwksUrl: '', jwtIssuer: '', jwtAudience: '' }) });
    service = new GuestService({
      store: new GuestStore(db),
      bus: { emit: (_e, payload) => void events.push(payload as never) },
      jwt,
      streamExists: (name) => name === 'show',
      disconnect: (id) => void disconnected.push(id),
      maxOnShow: () => 2,
    });
    events.length = 0;
    disconnected.length = 0;
  });

  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  const tokenOf = (url: string): string => url.split('#')[1]!;

  it('a link opens for its own guest only, and says it expired once past its time (as the state does)', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z'), toFake: ['Date'] });
    const a = await service.invite({ stream: 'show', name: 'Ada', expiresInSec: 3600 }, 'http://h');
    const b = await service.invite({ stream: 'show' }, 'http://h');
    expect(b.name).toBe('Guest');
    expect((await service.authenticate(a.id, tokenOf(a.url), '127.0.0.1')).name).toBe('Ada');
    expect((await caught(service.authenticate(a.id, tokenOf(b.url), '127.0.0.1'))).code).toBe('JWT_INVALID');
    expect((await caught(service.authenticate(a.id, undefined, '127.0.0.1'))).code).toBe('UNAUTHORIZED');
    expect((await caught(service.authenticate('gst_nothere00000', tokenOf(a.url), '127.0.0.1'))).code).toBe('NOT_FOUND');
    vi.setSystemTime(new Date('2026-11-25T13:00:01Z'));
    const expired = await caught(service.authenticate(a.id, tokenOf(a.url), '127.0.0.1'));
    expect(expired).toMatchObject({ code: 'GUEST_LINK_ENDED', details: { state: 'expired' } });
    expect(service.list('show').find((g) => g.id === a.id)?.state).toBe('expired');
    expect((await caught(Promise.resolve().then(() => service.admit('show', a.id)))).code).toBe('CONFLICT');
    // The other link (a day by default) still opens.
    expect((await service.authenticate(b.id, tokenOf(b.url), '127.0.0.1')).id).toBe(b.id);
  });

  it('the green room, the show and its end, each announced; ending a guest on the show disconnects them', async () => {
    const g = await service.invite({ stream: 'show', name: 'Ada' }, 'http://h');
    const record = await service.authenticate(g.id, tokenOf(g.url), '127.0.0.1');
    expect(() => service.checkPublish(record)).toThrow(expect.objectContaining({ code: 'GUEST_NOT_ADMITTED' }));
    expect(service.join(record, 'Ada L.')).toMatchObject({ state: 'waiting', name: 'Ada L.' });
    service.admit('show', g.id);
    const admitted = await service.authenticate(g.id, tokenOf(g.url), '127.0.0.1');
    expect(() => service.checkPublish(admitted)).not.toThrow();
    // A reload of an admitted guest rejoins into the same slot.
    expect(service.join(admitted, 'Ada L.').state).toBe('admitted');
    service.setLive(g.id, { video: false, audio: true });
    expect(service.list('show')[0]).toMatchObject({ live: true, media: { video: false, audio: true } });
    expect(service.update({ stream: 'show', id: g.id, muted: true, hidden: true })).toMatchObject({ muted: true, hidden: true, name: 'Ada L.' });
    expect(service.remove('show', g.id).state).toBe('removed');
    expect(disconnected).toEqual([g.id]);
    expect(events.map((e) => e.guest.state)).toEqual(['invited', 'waiting', 'admitted', 'admitted', 'admitted', 'admitted', 'removed']);
    expect((await caught(service.authenticate(g.id, tokenOf(g.url), '127.0.0.1'))).details).toMatchObject({ state: 'removed', reason: 'The producer took you off the show.' });
    // Another show's guest is not this show's.
    expect(() => service.admit('other', g.id)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(service.invite({ stream: 'other' }, 'http://h')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('past guests.max on the show, admitting is a conflict and the guest waits; a place freed lets them on', async () => {
    const links = await Promise.all(['A', 'B', 'C'].map((name) => service.invite({ stream: 'show', name }, 'http://h')));
    for (const g of links) service.join(await service.authenticate(g.id, tokenOf(g.url), '127.0.0.1'), g.name);
    service.admit('show', links[0]!.id);
    service.admit('show', links[1]!.id);
    expect(() => service.admit('show', links[2]!.id)).toThrow(expect.objectContaining({ code: 'CONFLICT', details: { max: 2, on: 2 } }));
    expect(service.list('show').find((g) => g.id === links[2]!.id)?.state).toBe('waiting');
    service.remove('show', links[0]!.id);
    expect(service.admit('show', links[2]!.id).state).toBe('admitted');
  });

  it('a private chat per guest: both sides, announced, the last 100 kept; none with a link that ended', async () => {
    const g = await service.invite({ stream: 'show', name: 'Ada' }, 'http://h');
    const record = await service.authenticate(g.id, tokenOf(g.url), '127.0.0.1');
    const chats: unknown[] = [];
    const before = events.length;
    service.say('show', g.id, 'Hello');
    service.guestSays(record, 'Hi!');
    expect(service.chat('show', g.id).map((l) => [l.from, l.text])).toEqual([['producer', 'Hello'], ['guest', 'Hi!']]);
    expect(service.viewOf(record).chat).toHaveLength(2);
    chats.push(...events.slice(before));
    expect(chats).toHaveLength(2);
    for (let i = 0; i < 120; i++) service.say('show', g.id, `line ${i}`);
    expect(service.chat('show', g.id)).toHaveLength(100);
    expect(service.chat('show', g.id).at(-1)!.text).toBe('line 119');
    service.revoke('show', g.id);
    expect(() => service.say('show', g.id, 'still there?')).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
  });
});
