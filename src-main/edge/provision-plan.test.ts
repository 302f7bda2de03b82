import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  edgeLayout, envFileText, isSupportedOs, missingPackages, nodeIsRecent, parseOsRelease, sh, supervisorScript, unitFileText,
} from './provision-plan.js';

const UNIT = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../resources/edge/streams-edge.service'), 'utf8');

const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
HOME_URL="https://www.debian.org/"`;
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"';

describe('provision plan', () => {
  it('detects Debian, Ubuntu and their derivatives; refuses others', () => {
    expect(parseOsRelease(DEBIAN)).toEqual({ id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(isSupportedOs(parseOsRelease(DEBIAN))).toBe(true);
    expect(isSupportedOs(parseOsRelease(MINT))).toBe(true);
    expect(isSupportedOs(parseOsRelease(FEDORA))).toBe(false);
    expect(isSupportedOs(parseOsRelease(''))).toBe(false);
  });

  it('installs only what dpkg does not report as installed', () => {
    const dpkg = 'nginx install ok installed\nlibnginx-mod-http-js deinstall ok config-files\n';
    expect(missingPackages(dpkg, ['nginx', 'libnginx-mod-http-js', 'libnginx-mod-http-cache-purge'])).toEqual([
      'libnginx-mod-http-js',
      'libnginx-mod-http-cache-purge',
    ]);
    expect(missingPackages('nginx:amd64 install ok installed', ['nginx'])).toEqual([]);
  });

  it('keeps a Node that is new enough', () => {
    expect(nodeIsRecent('v20.19.0\n')).toBe(true);
    expect(nodeIsRecent('v22.1.0')).toBe(true);
    expect(nodeIsRecent('v18.19.0')).toBe(false);
    expect(nodeIsRecent('')).toBe(false);
  });

  it('lays files out under a root and quotes for the shell', () => {
    expect(edgeLayout('/tmp/r/')).toMatchObject({ bundle: '/tmp/r/opt/streams-edge/streams-edge.mjs', envFile: '/tmp/r/etc/streams-edge/env' });
    expect(edgeLayout().unitFile).toBe('/etc/systemd/system/streams-edge.service');
    expect(sh("it's")).toBe(`'it'\\''s'`);
  });

  it('writes the environment file and refuses values that would break it', () => {
    const settings = { origin: 'http://o:7070', token: 'tok', port: 8081, region: 'eu west', publicUrl: 'http://e:8081', cacheSize: '2g' };
    expect(envFileText(settings, edgeLayout())).toBe(
      'STREAMS_EDGE_ORIGIN=http://o:7070\nSTREAMS_EDGE_TOKEN=tok\nSTREAMS_EDGE_PORT=8081\nSTREAMS_EDGE_REGION=eu west\n' +
        'STREAMS_EDGE_PUBLIC_URL=http://e:8081\nSTREAMS_EDGE_CACHE_SIZE=2g\nSTREAMS_EDGE_DIR=/var/lib/streams-edge\n',
    );
    expect(() => envFileText({ ...settings, token: 'a\nb' }, edgeLayout())).toThrow(/TOKEN/);
    expect(() => envFileText({ ...settings, region: '$(reboot)' }, edgeLayout())).toThrow(/REGION/);
  });

  it('fills the systemd unit template and the supervisor script', () => {
    const unit = unitFileText(UNIT, edgeLayout(), '/usr/bin/node');
    expect(unit).toContain('EnvironmentFile=/etc/streams-edge/env');
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/streams-edge/streams-edge.mjs edge');
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    const script = supervisorScript(edgeLayout('/x'), '/usr/bin/node');
    expect(script).toContain(". '/x/etc/streams-edge/env'");
    expect(script).toContain("'/usr/bin/node' '/x/opt/streams-edge/streams-edge.mjs' edge &");
  });
});
