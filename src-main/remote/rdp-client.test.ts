import { describe, expect, it } from 'vitest';
import { asksToTrust, fingerprintHex, fingerprintText, knownFingerprint, pinnedHosts, rdpClientArgs, rdpClientFailure } from './rdp-client.js';

const FP = '2e:0c:86:5d:48:33:a4:f7:1f:47:ba:3a:9f:4f:af:32:02:94:23:e4:9a:ff:52:2d:c2:10:06:f1:4c:c3:29:38';
const HEX = FP.replace(/:/g, '');

// What xfreerdp 2.11 (Debian 12) printed: a wrong password against FreeRDP's shadow server (which drops
// the connection), a certificate other than the pinned one (it then waits at a prompt), a closed port.
const WRONG_PASSWORD = `Password: [11:04:46:314] [10148:10149] [WARN][com.freerdp.crypto] - Certificate verification failure 'self-signed certificate (18)' at stack position 0
[11:04:46:314] [10148:10149] [WARN][com.freerdp.crypto] - CN = vm
[11:04:46:516] [10148:10149] [ERROR][com.freerdp.core.transport] - BIO_read returned a system error 0: Success
[11:04:46:516] [10148:10149] [ERROR][com.freerdp.core] - transport_read_layer:freerdp_set_last_error_ex ERRCONNECT_CONNECT_TRANSPORT_FAILED [0x0002000D]
[11:04:47:751] [10148:10149] [ERROR][com.freerdp.core] - freerdp_post_connect failed`;
const OTHER_CERTIFICATE = `Certificate details for 127.0.0.1:33891 (RDP-Server):
	Common Name: vm
	Subject:     CN = vm
	Issuer:      CN = vm
	Thumbprint:  ${FP}
Old Certificate details:
	Subject:     CN = vm
	Issuer:      CN = vm
	Thumbprint:  2f:0c:86:5d:48:33:a4:f7:1f:47:ba:3a:9f:4f:af:32:02:94:23:e4:9a:ff:52:2d:c2:10:06:f1:4c:c3:29:38
The above X.509 certificate does not match the certificate used for previous connections.
This may indicate that the certificate has been tampered with.`;
const CLOSED_PORT = `[11:05:23:585] [10387:10388] [ERROR][com.freerdp.core.transport] - BIO_should_retry returned a system error 32: Broken pipe
[11:05:23:585] [10387:10388] [ERROR][com.freerdp.core] - transport_write:freerdp_set_last_error_ex ERRCONNECT_CONNECT_TRANSPORT_FAILED [0x0002000D]
[11:05:23:590] [10387:10388] [ERROR][com.freerdp.core] - freerdp_post_connect failed`;

describe('the RDP gateway client (xfreerdp)', () => {
  it('takes the password on stdin, pins certificates on first use and bridges the clipboard', () => {
    expect(rdpClientArgs({ host: 'win.example', port: 3389, user: 'ann', width: 1280, height: 720 })).toEqual([
      '/v:win.example:3389',
      '/u:ann',
      '/from-stdin:force',
      '/cert:tofu',
      '/size:1280x720',
      '-decorations',
      '+clipboard',
      '/network:auto',
      '/log-level:WARN',
    ]);
    const withDomain = rdpClientArgs({ host: 'fd00::5', port: 3390, user: 'ann', domain: 'CORP', width: 1920, height: 1080 });
    expect(withDomain.slice(0, 3)).toEqual(['/v:[fd00::5]:3390', '/u:ann', '/d:CORP']);
    expect(withDomain.join(' ')).not.toMatch(/\/p:/);
  });

  it('reads and writes fingerprints as hex or with colons', () => {
    expect(fingerprintHex(FP.toUpperCase())).toBe(HEX);
    expect(fingerprintHex(HEX)).toBe(HEX);
    expect(fingerprintHex('abc')).toBeNull();
    expect(fingerprintHex(`${HEX}00`)).toBeNull();
    expect(fingerprintText(HEX)).toBe(FP.toUpperCase());
  });

  it("pins a fingerprint in xfreerdp's known_hosts2, replacing that server's line only", () => {
    const before = `127.0.0.1 33891 ${FP.replace('2e', '2f')} Q04gPSB2bQ== Q04gPSB2bQ==\nwin.example 3389 ${FP} - -\n`;
    const after = pinnedHosts(before, '127.0.0.1', 33891, HEX);
    expect(after).toBe(`win.example 3389 ${FP} - -\n127.0.0.1 33891 ${FP} - -\n`);
    expect(knownFingerprint(after, '127.0.0.1', 33891)).toBe(HEX);
    expect(knownFingerprint(after, '127.0.0.1', 3389)).toBeNull();
    expect(pinnedHosts('', 'h', 1, HEX)).toBe(`h 1 ${FP} - -\n`);
  });

  it('tells why it gave up: wrong credentials, another certificate, nobody there, or its last words', () => {
    expect(rdpClientFailure(WRONG_PASSWORD, 147).code).toBe('RDP_AUTH_FAILED');
    expect(rdpClientFailure('[x] [1:2] [ERROR][com.freerdp.core] - ERRCONNECT_LOGON_FAILURE [0x00020014]', 134)).toEqual({ code: 'RDP_AUTH_FAILED', message: 'the server refused the user name or password' });
    const certificate = rdpClientFailure(OTHER_CERTIFICATE, null);
    expect(certificate.code).toBe('RDP_CERTIFICATE');
    expect(certificate.message).toContain(FP.toUpperCase());
    expect(rdpClientFailure(CLOSED_PORT, 147).code).toBe('RDP_UNREACHABLE');
    expect(rdpClientFailure('[x] [1:2] [ERROR][com.freerdp.core] - ERRCONNECT_DNS_NAME_NOT_FOUND', 140).code).toBe('RDP_UNREACHABLE');
    expect(rdpClientFailure('[11:05:23:585] [1:2] [ERROR][com.freerdp.client.x11] - failed to open display: :99\n', 1)).toEqual({
      code: 'RDP_FAILED',
      message: 'the RDP client stopped (exit 1): failed to open display: :99',
    });
  });

  it('knows the lines after which it would wait for a person', () => {
    expect(OTHER_CERTIFICATE.split('\n').some(asksToTrust)).toBe(true);
    expect(asksToTrust('Do you trust the above certificate? (Y/T/N)')).toBe(true);
    expect(WRONG_PASSWORD.split('\n').some(asksToTrust)).toBe(false);
  });
});
