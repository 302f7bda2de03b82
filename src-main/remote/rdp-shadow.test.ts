import { describe, expect, it } from 'vitest';
import { rdpPassword, rdpUserName, refusalText, samFileOf, shadowArgs, ShadowLogReader, type ShadowLogEvent } from './rdp-shadow.js';

// What freerdp-shadow-cli 2.11 (Debian 12) printed for a client that signed in and left, one with a
// wrong password and one with an unknown user name; another server already on the port.
const SIGNED_IN_AND_LEFT = `
[10:54:24:788] [30984:31000] [WARN][com.winpr.negotiate] - AcceptSecurityContext status SEC_I_CONTINUE_NEEDED [0x00090312]
[10:54:24:889] [30984:31000] [WARN][com.winpr.negotiate] - AcceptSecurityContext status SEC_I_COMPLETE_NEEDED [0x00090313]
[10:54:25:104] [30984:31000] [WARN][com.freerdp.server.shadow.x11] - x11_shadow_input_synchronize_event not implemented
[10:54:25:104] [30984:31000] [WARN][com.freerdp.server.shadow.x11] - x11_shadow_input_synchronize_event not implemented
[10:54:25:204] [30984:31009] [ERROR][com.freerdp.channels.audin.server] - WTSVirtualChannelQuery failed
[10:54:29:432] [30984:31000] [ERROR][com.freerdp.core.transport] - BIO_read returned a system error 0: Success
[10:54:29:432] [30984:31000] [ERROR][com.freerdp.core] - transport_read_layer:freerdp_set_last_error_ex ERRCONNECT_CONNECT_TRANSPORT_FAILED [0x0002000D]
[10:54:29:432] [30984:31000] [ERROR][com.freerdp.client.shadow] - Failed to check FreeRDP file descriptor`;
const WRONG_PASSWORD = `
[10:53:45:367] [30549:30703] [ERROR][com.freerdp.core.peer] - peer_recv_callback: CONNECTION_STATE_INITIAL - rdp_server_accept_nego() fail
[10:53:45:367] [30549:30703] [ERROR][com.freerdp.client.shadow] - Failed to check FreeRDP file descriptor
[10:53:45:511] [30549:30712] [WARN][com.winpr.negotiate] - AcceptSecurityContext status SEC_I_CONTINUE_NEEDED [0x00090312]
[10:53:45:611] [30549:30712] [WARN][com.winpr.negotiate] - AcceptSecurityContext status SEC_I_COMPLETE_NEEDED [0x00090313]
[10:53:45:611] [30549:30712] [ERROR][com.winpr.sspi.NTLM] - Message Integrity Check (MIC) verification failed!
[10:53:45:611] [30549:30712] [WARN][com.winpr.sspi] - CompleteAuthToken status SEC_E_MESSAGE_ALTERED [0x8009030F]
[10:53:45:611] [30549:30712] [WARN][com.freerdp.core.nla] - CompleteAuthToken status SEC_E_MESSAGE_ALTERED [0x8009030F]
[10:53:45:611] [30549:30712] [ERROR][com.freerdp.core.transport] - client authentication failure
[10:53:45:611] [30549:30712] [ERROR][com.freerdp.core.peer] - peer_recv_callback: CONNECTION_STATE_INITIAL - rdp_server_accept_nego() fail
[10:53:45:611] [30549:30712] [ERROR][com.freerdp.client.shadow] - Failed to check FreeRDP file descriptor`;
const UNKNOWN_USER = `
[10:54:30:815] [30984:31029] [WARN][com.winpr.negotiate] - AcceptSecurityContext status SEC_I_COMPLETE_NEEDED [0x00090313]
[10:54:30:915] [30984:31029] [ERROR][com.winpr.sspi.NTLM] - Error: Could not find user in SAM database
[10:54:30:915] [30984:31029] [WARN][com.winpr.sspi] - CompleteAuthToken status SEC_E_INTERNAL_ERROR [0x80090304]
[10:54:30:915] [30984:31029] [ERROR][com.freerdp.core.transport] - client authentication failure`;
const PORT_TAKEN = `
[10:54:10:092] [30906:30906] [ERROR][com.freerdp.server.shadow] - Problem creating TCP listener. (Port already used or insufficient permissions?)
[10:54:10:092] [30906:30906] [ERROR][com.freerdp.server.shadow] - Failed to start server.`;

const read = (text: string, reader = new ShadowLogReader()): ShadowLogEvent[] =>
  text.split('\n').map((line) => reader.read(line)).filter((e): e is ShadowLogEvent => e !== null);

describe("FreeRDP shadow server's log", () => {
  it('a client that passed NTLM is signed in once, and ended when its connection drops', () => {
    expect(read(SIGNED_IN_AND_LEFT)).toEqual([
      { kind: 'signed-in', thread: '31000' },
      { kind: 'ended', thread: '31000' },
    ]);
  });

  it('a wrong password and an unknown user are refused with their reasons; nobody is signed in', () => {
    expect(read(WRONG_PASSWORD)).toEqual([{ kind: 'refused', thread: '30712', reason: 'wrong-password' }]);
    expect(read(UNKNOWN_USER)).toEqual([{ kind: 'refused', thread: '31029', reason: 'unknown-user' }]);
    expect(refusalText('wrong-password')).toBe('wrong password');
    expect(refusalText('unknown-user')).toBe('unknown user name');
  });

  it('clients on their own threads are told apart when their lines interleave', () => {
    const a = SIGNED_IN_AND_LEFT.split('\n');
    const b = WRONG_PASSWORD.split('\n');
    const mixed = a.flatMap((line, i) => [line, b[i] ?? '']).concat(b.slice(a.length)).join('\n');
    const events = read(mixed);
    expect(events.filter((e) => e.kind === 'signed-in')).toEqual([{ kind: 'signed-in', thread: '31000' }]);
    expect(events.filter((e) => e.kind === 'refused')).toEqual([{ kind: 'refused', thread: '30712', reason: 'wrong-password' }]);
  });

  it('a server that cannot listen is fatal with its words; lines of another format are ignored', () => {
    expect(read(PORT_TAKEN)).toEqual([
      { kind: 'fatal', message: 'Problem creating TCP listener.' },
      { kind: 'fatal', message: 'Failed to start server.' },
    ]);
    expect(read('[libx264 @ 0x7f1b08409500] profile High, level 3.2, 4:2:0, 8-bit\n\nnot a log line')).toEqual([]);
  });
});

describe('RDP credentials and arguments', () => {
  it('makes passwords of 20 readable characters in groups of five, from unbiased bytes', () => {
    const password = rdpPassword();
    expect(password).toMatch(/^([a-km-zA-HJ-NP-Z2-9]{5}-){3}[a-km-zA-HJ-NP-Z2-9]{5}$/);
    expect(rdpPassword()).not.toBe(password);
    // Bytes of 224 and above (past the last whole multiple of the 56 characters) are skipped: 255 and 224
    // give nothing, 0 'a', 1 'b', 55 '9', 56 'a' again, 223 '9'.
    const bytes = [255, 224, 0, 1, 55, 56, 223];
    const fixed = rdpPassword((size) => Buffer.from(Array.from({ length: size }, (_, i) => bytes[i % bytes.length]!)));
    expect(fixed).toBe('ab9a9-ab9a9-ab9a9-ab9a9');
  });

  it('names the RDP user after the studio user, in the characters Windows takes', () => {
    expect(rdpUserName('alice')).toBe('alice');
    expect(rdpUserName('Zoë Müller')).toBe('ZoeMuller');
    expect(rdpUserName('a:b@c/d')).toBe('abcd');
    expect(rdpUserName('x'.repeat(40))).toHaveLength(20);
    expect(rdpUserName('')).toBe('studio');
    expect(rdpUserName('日本')).toBe('studio');
  });

  it("writes winpr's SAM line with the NT hash, never the password; refuses a name that would break the line", () => {
    const line = samFileOf('alice', 'password');
    expect(line).toBe('alice:::8846f7eaee8fb117ad06bdd830b7586c:::\n');
    expect(line).not.toContain('password');
    expect(() => samFileOf('a:b', 'x')).toThrow(/not an RDP user name/);
  });

  it('asks for NLA only, on the given address and port, against the SAM file', () => {
    expect(shadowArgs({ port: 33890, bindAddress: '127.0.0.1', samFile: '/data/rdp/vd-5.sam' })).toEqual([
      '/port:33890',
      '/bind-address:127.0.0.1',
      '/sec:nla',
      '/sam-file:/data/rdp/vd-5.sam',
      '+may-view',
      '+may-interact',
    ]);
  });
});
