import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { StudioError } from '../core/errors.js';
import { openDatabase, type Db } from '../store/db.js';
import { SessionStore } from '../store/sessions.js';
import { AuthService } from './auth.js';
import { caught } from '../../test-support/errors.js';

const TOKEN = 'k'.repeat(43);
const HOUR = 3_600_000;


describe('AuthService', () => {
  let db: Db;
  let sessions: SessionStore;
  let ttl: number;
  let auth: AuthService;
  const T0 = new Date('2030-01-01T00:00:00Z').getTime();

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    db = openDatabase(':memory:');
    sessions = new SessionStore(db);
    ttl = 24 * HOUR;
    auth = new AuthService(TOKEN, sessions, () => ttl);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    db.close();
  });

  describe('token', () => {
    it('accepts the API token as a bearer', () => {
      expect(auth.authenticate({ authorization: `Bearer ${TOKEN}` }, SESSION_COOKIE)).toMatchObject({ via: 'token', role: 'owner', tokenId: null });
    });

    it.each([
      ['a wrong token of the same length', 'x'.repeat(43)],
      ['a prefix', TOKEN.slice(0, 42)],
      ['a longer token', `${TOKEN}k`],
      ['a one-character token', 'k'],
      ['a very long token', 'k'.repeat(10_000)],
    ])('refuses %s without throwing', (_name, token) => {
      expect(auth.authenticate({ authorization: `Bearer ${token}` }, SESSION_COOKIE)).toBeUndefined();
    });

    it('refuses the token sent without the Bearer scheme, or as a cookie', () => {
      expect(auth.authenticate({ authorization: TOKEN }, SESSION_COOKIE)).toBeUndefined();
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${TOKEN}` }, SESSION_COOKIE)).toBeUndefined();
      expect(auth.authenticate({}, SESSION_COOKIE)).toBeUndefined();
    });

    it('compares fixed-size digests with timingSafeEqual, whatever the length of the guess', () => {
      const spy = vi.spyOn(crypto, 'timingSafeEqual');
      for (const guess of ['k', TOKEN.slice(0, 42), 'z'.repeat(500), TOKEN]) {
        auth.authenticate({ authorization: `Bearer ${guess}` }, SESSION_COOKIE);
      }
      expect(spy).toHaveBeenCalledTimes(4);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
      expect(spy.mock.results.map((r) => r.value as boolean)).toEqual([false, false, false, true]);
    });
  });

  describe('login codes and session cookies', () => {
    it('issues 10-character codes from an unambiguous alphabet, valid 10 minutes, all different', () => {
      const codes = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const { code, expiresAt } = auth.issueLoginCode();
        expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTVWXYZ2-9]{10}$/);
        expect(expiresAt).toBe(T0 + 10 * 60_000);
        codes.add(code);
      }
      expect(codes.size).toBe(50);
    });

    it('redeems a code once for a session cookie that authenticates', () => {
      const { code } = auth.issueLoginCode();
      const { token, session } = auth.redeemLoginCode(code, { ip: '10.0.0.2', userAgent: 'Firefox' });
      expect(session).toMatchObject({ ip: '10.0.0.2', userAgent: 'Firefox', createdAt: T0, expiresAt: T0 + ttl });
      const principal = auth.authenticate({ cookie: `other=1; ${SESSION_COOKIE}=${token}` }, SESSION_COOKIE);
      expect(principal).toMatchObject({ via: 'session', sessionId: session.id, role: 'owner' });
      expect(caught(() => auth.redeemLoginCode(code, { ip: '10.0.0.2' })).code).toBe('LOGIN_CODE_INVALID');
    });

    it('accepts a code typed in lower case or with separators', () => {
      const { code } = auth.issueLoginCode();
      const typed = ` ${code.slice(0, 5).toLowerCase()}-${code.slice(5)} `;
      expect(auth.redeemLoginCode(typed, { ip: '1.1.1.1' }).token).toBeTruthy();
    });

    it('refuses unknown codes with LOGIN_CODE_INVALID', () => {
      for (const code of ['', 'AAAAAAAAAA', 'nonsense']) {
        const error = caught(() => auth.redeemLoginCode(code, { ip: '1.1.1.1' }));
        expect(error.code).toBe('LOGIN_CODE_INVALID');
        expect(error.httpStatus).toBe(401);
      }
    });

    it('lets a code expire after 10 minutes', () => {
      const early = auth.issueLoginCode().code;
      const late = auth.issueLoginCode().code;
      vi.setSystemTime(T0 + 10 * 60_000 - 1);
      expect(auth.redeemLoginCode(early, { ip: '1.1.1.1' }).token).toBeTruthy();
      vi.setSystemTime(T0 + 10 * 60_000 + 1);
      expect(caught(() => auth.redeemLoginCode(late, { ip: '1.1.1.1' })).code).toBe('LOGIN_CODE_INVALID');
    });

    it('uses the current session TTL and lets the session expire', () => {
      ttl = 2 * HOUR;
      const { token, session } = auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      expect(session.expiresAt).toBe(T0 + 2 * HOUR);
      vi.setSystemTime(T0 + 2 * HOUR - 1);
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${token}` }, SESSION_COOKIE)?.via).toBe('session');
      vi.setSystemTime(T0 + 2 * HOUR);
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${token}` }, SESSION_COOKIE)).toBeUndefined();
    });

    it('only reads the named cookie, and refuses a wrong cookie value', () => {
      const { token } = auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      expect(auth.authenticate({ cookie: `other=${token}` }, SESSION_COOKIE)).toBeUndefined();
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${token}x` }, SESSION_COOKIE)).toBeUndefined();
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=` }, SESSION_COOKIE)).toBeUndefined();
    });

    it('prefers a valid token, and falls back to the cookie when the bearer is wrong', () => {
      const { token } = auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      const headers = { cookie: `${SESSION_COOKIE}=${token}` };
      expect(auth.authenticate({ ...headers, authorization: `Bearer ${TOKEN}` }, SESSION_COOKIE)).toMatchObject({ via: 'token', role: 'owner', tokenId: null });
      expect(auth.authenticate({ ...headers, authorization: 'Bearer wrong' }, SESSION_COOKIE)?.via).toBe('session');
    });

    it('logout revokes the session; logout without a cookie is harmless', () => {
      const { token } = auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      auth.logout(undefined);
      auth.logout('not-a-session');
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${token}` }, SESSION_COOKIE)?.via).toBe('session');
      auth.logout(token);
      expect(auth.authenticate({ cookie: `${SESSION_COOKIE}=${token}` }, SESSION_COOKIE)).toBeUndefined();
    });

    it('purges expired sessions when a code is redeemed', () => {
      ttl = HOUR;
      auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      vi.setSystemTime(T0 + 2 * HOUR);
      auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '1.1.1.1' });
      expect(db.prepare('SELECT COUNT(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    });
  });

  describe('rate limit', () => {
    const fail = (ip: string): StudioError => caught(() => auth.redeemLoginCode('WRONGCODE2', { ip }));

    it('refuses an address with RATE_LIMITED after 10 wrong codes, even with a good code', () => {
      for (let i = 0; i < 10; i++) expect(fail('10.0.0.9').code).toBe('LOGIN_CODE_INVALID');
      const good = auth.issueLoginCode().code;
      const error = caught(() => auth.redeemLoginCode(good, { ip: '10.0.0.9' }));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.httpStatus).toBe(429);
      expect(fail('10.0.0.9').code).toBe('RATE_LIMITED');
      // Other addresses are not affected, and the code was not spent by the refused attempt.
      expect(auth.redeemLoginCode(good, { ip: '10.0.0.10' }).token).toBeTruthy();
    });

    it('does not limit after 9 failures', () => {
      for (let i = 0; i < 9; i++) fail('10.0.0.9');
      expect(auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '10.0.0.9' }).token).toBeTruthy();
    });

    it('lets the address try again once the minute has passed', () => {
      // Time passing moves both clocks (the limiter reads the monotonic one: a wall-clock step alone does not lift a block).
      let mono = 1000;
      const monotonic = vi.spyOn(performance, 'now').mockImplementation(() => mono);
      const pass = (ms: number): void => {
        mono += ms;
        vi.setSystemTime(Date.now() + ms);
      };
      try {
        for (let i = 0; i < 10; i++) fail('10.0.0.9');
        pass(30_000);
        expect(fail('10.0.0.9').code).toBe('RATE_LIMITED');
        vi.setSystemTime(Date.now() + 3_600_000);
        expect(fail('10.0.0.9').code).toBe('RATE_LIMITED');
        pass(30_001);
        expect(auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '10.0.0.9' }).token).toBeTruthy();
      } finally {
        monotonic.mockRestore();
      }
    });

    it('does not count successful redemptions as failures', () => {
      for (let i = 0; i < 15; i++) auth.redeemLoginCode(auth.issueLoginCode().code, { ip: '10.0.0.9' });
      expect(fail('10.0.0.9').code).toBe('LOGIN_CODE_INVALID');
    });
  });
});
