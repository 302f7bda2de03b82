import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTls, type ListenOptions } from './http-service.js';
import { caught } from '../../test-support/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-http-service-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cert = path.join(tmp, 'cert.pem');
const key = path.join(tmp, 'key.pem');
fs.writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
fs.writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');

const base: ListenOptions = { port: 7070, bind: '127.0.0.1', tlsCert: '', tlsKey: '', allowInsecureRemote: false };


describe('resolveTls', () => {
  it('needs no TLS on loopback', () => {
    expect(resolveTls(base)).toBeUndefined();
    expect(resolveTls({ ...base, bind: '::1' })).toBeUndefined();
    expect(resolveTls({ ...base, bind: 'localhost' })).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '192.168.1.10'])('refuses %s without TLS with INSECURE_BIND', (bind) => {
    const error = caught(() => resolveTls({ ...base, bind }));
    expect(error.code).toBe('INSECURE_BIND');
    expect(error.message).toContain(bind);
    expect(error.message).toContain('http.allowInsecureRemote');
    expect(error.details).toEqual({ bind });
  });

  it('allows a network bind without TLS when allowInsecureRemote is set', () => {
    expect(resolveTls({ ...base, bind: '0.0.0.0', allowInsecureRemote: true })).toBeUndefined();
  });

  it('reads the cert and key files, allowing any bind', () => {
    const tls = resolveTls({ ...base, bind: '0.0.0.0', tlsCert: cert, tlsKey: key });
    expect(tls?.cert.equals(fs.readFileSync(cert))).toBe(true);
    expect(tls?.key.equals(fs.readFileSync(key))).toBe(true);
  });

  it('refuses a cert without a key, and a key without a cert, naming the missing field', () => {
    const noKey = caught(() => resolveTls({ ...base, tlsCert: cert }));
    expect(noKey.code).toBe('CONFIG_INVALID');
    expect(noKey.message).toMatch(/^http\.tlsKey: /);
    expect(noKey.details).toMatchObject({ field: 'http.tlsKey' });
    const noCert = caught(() => resolveTls({ ...base, bind: '0.0.0.0', tlsKey: key }));
    expect(noCert.code).toBe('CONFIG_INVALID');
    expect(noCert.message).toMatch(/^http\.tlsCert: /);
    expect(noCert.details).toMatchObject({ field: 'http.tlsCert' });
  });

  it('names the field and path of an unreadable cert or key', () => {
    const missing = path.join(tmp, 'missing.pem');
    const badCert = caught(() => resolveTls({ ...base, tlsCert: missing, tlsKey: key }));
    expect(badCert.code).toBe('CONFIG_INVALID');
    expect(badCert.message).toBe(`http.tlsCert: cannot read ${missing} (ENOENT)`);
    expect(badCert.details).toEqual({ field: 'http.tlsCert', path: missing });
    const badKey = caught(() => resolveTls({ ...base, tlsCert: cert, tlsKey: tmp }));
    expect(badKey.code).toBe('CONFIG_INVALID');
    expect(badKey.message).toBe(`http.tlsKey: cannot read ${tmp} (EISDIR)`);
    expect(badKey.details).toEqual({ field: 'http.tlsKey', path: tmp });
  });
});
