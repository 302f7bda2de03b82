import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rules of ARCHITECTURE.md are enforced by no-restricted-imports in eslint.config.js.
// These tests plant imports in virtual files (lintText needs no file on disk) and check the verdict.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: repoRoot });
// Spelled in two parts: the planted source below is text for ESLint, not an import of this file.
const ELECTRON = ['elec', 'tron'].join('');

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  expect(result, file).toBeDefined();
  // A file outside every config would be ignored silently: make sure it was really linted.
  expect(result!.messages.filter((m) => /ignored/i.test(m.message))).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const refused: [string, string, RegExp][] = [
  ['src-shared/planted.ts', "import fs from 'node:fs';\nexport const x = fs;\n", /src-shared is the contract/],
  ['src-shared/contract/planted.ts', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n", /src-shared is the contract/],
  ['src-shared/planted.ts', "import { StudioError } from '../src-main/core/errors.js';\nexport const x = StudioError;\n", /src-shared never imports another area/],
  ['src-shared/contract/planted.ts', "export { EventBus } from '../../src-main/core/bus.js';\n", /src-shared never imports another area/],
  ['src-shared/planted.ts', "import React from 'react';\nexport const x = React;\n", /src-shared is the contract/],
  ['src-main/media/planted.ts', "import { startStudio } from '../entry/studio.js';\nexport const x = startStudio;\n", /never import the composition roots/],
  ['src-main/media/planted.ts', "import { x as y } from '../app/tray.js';\nexport const x = y;\n", /never import the composition roots/],
  ['src-main/core/planted.ts', `import { app } from '${ELECTRON}';\nexport const x = app;\n`, /Only src-main\/app/],
  ['src-main/servers/hls/planted.ts', "import type { HttpPlugin } from '../../api/http.js';\nexport type X = HttpPlugin;\n", /never import the API layer/],
  ['src-main/recorder/planted.ts', "import { sendError } from '../api/reply.js';\nexport const x = sendError;\n", /never import the API layer/],
  ['src-main/cdn/planted.ts', "export { createHandlers } from '../api/handlers.js';\n", /never import the API layer/],
  ['src-main/http/planted.ts', "import type { Dispatch } from '../api/dispatch.js';\nexport type X = Dispatch;\n", /never import the API layer/],
  ['src-main/remote/planted.ts', "import { startStudio } from '../entry/studio.js';\nexport const x = startStudio;\n", /never import the composition roots/],
  ['src-main/app/planted.ts', "import { startStudio } from '../entry/studio.js';\nexport const x = startStudio;\n", /never imports the composition roots/],
  ['src-main/api/planted.ts', `import { ipcMain } from '${ELECTRON}';\nexport const x = ipcMain;\n`, /Only src-main\/app/],
  ['src-main/entry/host.ts', `import { app } from '${ELECTRON}';\nexport const x = app;\n`, /Only the Electron entry/],
  ['src-main/core/planted.ts', "import { x as y } from '../../src-renderer/api/client.js';\nexport const x = y;\n", /never imports the renderer/],
  ['src-renderer/features/planted.ts', "import { EventBus } from '../../src-main/core/bus.js';\nexport const x = EventBus;\n", /src-renderer talks to the studio only/],
  ['src-renderer/planted.tsx', "import fs from 'node:fs';\nexport const x = fs;\n", /src-renderer talks to the studio only/],
  ['src-renderer/app/planted.ts', `import { ipcRenderer } from '${ELECTRON}';\nexport const x = ipcRenderer;\n`, /src-renderer talks to the studio only/],
  ['src-preload/planted.ts', "import { EventBus } from '../src-main/core/bus.js';\nexport const x = EventBus;\n", /src-preload builds window.studio/],
  ['src-main/protocols/webrtc/planted.ts', "import type { PathReader } from '../../media/types.js';\nexport type X = PathReader;\n", /protocols\/ is a toolkit/],
  ['src-main/protocols/planted.ts', "import { WebRtcServer } from '../servers/webrtc/server.js';\nexport const x = WebRtcServer;\n", /protocols\/ is a toolkit/],
  ['src-main/protocols/flv/planted.ts', "import { Packager } from '../../encoder/packager.js';\nexport const x = Packager;\n", /protocols\/ is a toolkit/],
  ['src-main/protocols/flv/planted.ts', "import type { HttpPlugin } from '../../api/http.js';\nexport type X = HttpPlugin;\n", /never import the API layer/],
  ['src-main/protocols/webrtc/planted.test.ts', "import { RemoteService } from '../../remote/remote-service.js';\nexport const x = RemoteService;\n", /protocols\/ is a toolkit/],
  ['src-main/servers/rtmp/planted.ts', "import { sendSessionFile } from '../hls/files.js';\nexport const x = sendSessionFile;\n", /never imports another server/],
  ['src-main/servers/hls/planted.ts', "import { PathFeed } from '../webrtc/path-feed.js';\nexport const x = PathFeed;\n", /never imports another server/],
  ['src-main/servers/srt/planted.ts', "import { x as y } from '../../servers/rtmp/session.js';\nexport const x = y;\n", /never imports another server/],
  ['src-main/servers/webrtc/planted.ts', "import { startStudio } from '../../entry/studio.js';\nexport const x = startStudio;\n", /never import the composition roots/],
];

const allowed: [string, string][] = [
  ['src-main/media/planted.ts', "import { StudioError } from '../core/errors.js';\nexport const x = StudioError;\n"],
  ['src-main/media/planted.ts', "import type { EventName } from '../../src-shared/contract/index.js';\nexport type X = EventName;\n"],
  ['src-main/media/planted.ts', "import fs from 'node:fs';\nexport const x = fs;\n"],
  ['src-shared/contract/planted.ts', "import { z } from 'zod';\nimport { errorCodeSchema } from '../errors.js';\nexport const x = z.object({ code: errorCodeSchema });\n"],
  ['src-main/app/planted.ts', `import { app } from '${ELECTRON}';\nexport const x = app;\n`],
  ['src-main/app/planted.ts', "import type { Dispatch } from '../api/dispatch.js';\nexport type X = Dispatch;\n"],
  ['src-main/servers/hls/planted.ts', "import type { HttpPlugin } from '../../http/plugin.js';\nexport type X = HttpPlugin;\n"],
  ['src-main/entry/host.ts', "import { createHandlers } from '../api/handlers.js';\nexport const x = createHandlers;\n"],
  ['src-main/entry/electron.ts', `import { app } from '${ELECTRON}';\nimport { x as y } from '../app/tray.js';\nexport const x = [app, y];\n`],
  ['src-main/entry/host.ts', "import { startStudio } from './studio.js';\nexport const x = startStudio;\n"],
  ['src-preload/planted.ts', `import { contextBridge } from '${ELECTRON}';\nimport { METHOD_NAMES } from '../src-shared/contract/index.js';\nexport const x = [contextBridge, METHOD_NAMES];\n`],
  ['src-renderer/features/planted.tsx', "import { METHOD_NAMES } from '../../src-shared/contract/index.js';\nexport const x = METHOD_NAMES;\n"],
  ['src-main/protocols/webrtc/planted.ts', "import { StudioError } from '../../core/errors.js';\nimport { tagBody } from '../flv/flv.js';\nimport type { StudioConfig } from '../../../src-shared/config.js';\nexport const x = [StudioError, tagBody];\nexport type X = StudioConfig;\n"],
  ['src-main/servers/rtmp/planted.ts', "import { parseScriptTag } from '../../protocols/flv/amf0.js';\nimport type { PathManager } from '../../media/path-manager.js';\nimport { x as y } from './session.js';\nexport const x = [parseScriptTag, y];\nexport type X = PathManager;\n"],
  ['src-main/servers/hls/planted.ts', "import { parseOffer } from '../../protocols/webrtc/sdp.js';\nimport { UrlSigner } from '../../protocols/signing.js';\nexport const x = [parseOffer, UrlSigner];\n"],
  ['src-main/remote/planted.ts', "import { parseOffer } from '../protocols/webrtc/sdp.js';\nexport const x = parseOffer;\n"],
];

const firstLine = (code: string): string => code.split('\n')[0]!;

describe('lint: import boundaries', () => {
  it.each(refused.map(([file, code, message]) => [file, firstLine(code), code, message] as const))('refuses in %s: %s', async (file, _title, code, message) => {
    const errors = await boundaryErrors(file, code);
    expect(errors.length, `${file} should be refused`).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it.each(allowed.map(([file, code]) => [file, firstLine(code), code] as const))('allows in %s: %s', async (file, _title, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });

  // ARCHITECTURE.md: "src-shared ... Imports zod only". The lint list names some packages but lets
  // any other one through, and no-restricted-imports does not look at dynamic import().
  it.each([
    ['src-shared/planted.ts', "import YAML from 'yaml';\nexport const x = YAML;\n"],
    ['src-shared/planted.ts', "export const load = async () => (await import('node:fs')).readFileSync;\n"],
  ])('refuses in %s what the list does not name: %j', async (file, code) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
    expect(result!.errorCount, `${file} should be refused`).toBeGreaterThan(0);
  });
});

describe('lint: one module starts processes', () => {
  const verdict = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  };
  it.each([
    ['src-main/encoder/planted.ts', "import { spawn } from 'node:child_process';\nexport const x = spawn;\n"],
    ['src-main/obs/planted.ts', "import { execFile as run } from 'child_process';\nexport const x = run;\n"],
    ['src-main/api/planted.ts', "import * as cp from 'node:child_process';\nexport const x = cp;\n"],
    ['src-main/entry/planted.ts', "import { spawnSync } from 'node:child_process';\nexport const x = spawnSync;\n"],
  ])('refuses in %s: %j', async (file, code) => {
    expect((await verdict(file, code)).join('\n')).toMatch(/Only core\/children.ts starts processes/);
  });
  it.each([
    ['src-main/core/children.ts', "import { spawn } from 'node:child_process';\nexport const x = spawn;\n"],
    ['src-main/encoder/planted.ts', "import type { ChildProcess } from 'node:child_process';\nexport type X = ChildProcess;\n"],
    ['src-main/encoder/planted.ts', "import { type SpawnOptions } from 'node:child_process';\nexport type X = SpawnOptions;\n"],
  ])('allows in %s: %j', async (file, code) => {
    expect(await verdict(file, code)).toEqual([]);
  });
});
