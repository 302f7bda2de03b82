// bin/load-bundle.mjs, each case a real node process loading a real bundle: the code cache is written by
// a process that ran long enough, used by the next, never used for a bundle rebuilt to the same length,
// and a corrupt or unwritable cache costs the cache only, never the start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LOADER = pathToFileURL(path.join(import.meta.dirname, '..', 'bin', 'load-bundle.mjs')).href;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'load-bundle-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A CommonJS bundle that prints its word, the CommonJS wrapper's view of itself, and whether it is strict. */
function bundleText(word) {
  const body = Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + 1; }`).join('\n');
  return `"use strict";\n${body}\nconsole.log(JSON.stringify({ word: ${JSON.stringify(word)}, sum: f7(2), file: __filename, dir: __dirname, strict: this === undefined || (function () { return this === undefined; })(), req: typeof require('node:path').join, exportsIsThis: module.exports === exports }));\n`;
}

// A script file, not `node -e`: the code of -e is in process.execArgv, which names the cache file.
const RUNNER = path.join(root, 'runner.mjs');
fs.writeFileSync(
  RUNNER,
  `import { loadBundle, CODE_CACHE_STATE } from ${JSON.stringify(LOADER)};
const [file, options, waitMs] = process.argv.slice(2);
loadBundle(file, JSON.parse(options));
const atStart = globalThis[CODE_CACHE_STATE];
setTimeout(() => console.log(JSON.stringify({ atStart, after: globalThis[CODE_CACHE_STATE] })), Number(waitMs));
`,
);

/** Runs the loader on `file` in a fresh node, printing the cache's state at start and `waitMs` later. */
function load(file, { waitMs = 150, cacheFile, nodeOptions = [] } = {}) {
  const options = JSON.stringify({ writeAfterMs: 50, ...(cacheFile ? { cacheFile } : {}) });
  const run = spawnSync(process.execPath, [...nodeOptions, RUNNER, file, options, String(waitMs)], { encoding: 'utf8', timeout: 20_000 });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toBe('');
  const [printed, state] = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  return { printed, state };
}

function freshBundle(name, word) {
  const dir = fs.mkdtempSync(path.join(root, `${name}-`));
  const file = path.join(dir, 'cli.cjs');
  fs.writeFileSync(file, bundleText(word));
  return { dir, file, cache: `${file}.cache` };
}

describe('loadBundle', () => {
  it('runs the bundle as a strict CommonJS module, writes the cache once the process has run, and the next start uses it', () => {
    const { dir, file, cache } = freshBundle('first', 'one');
    const first = load(file);
    expect(first.printed).toEqual({ word: 'one', sum: 15, file, dir, strict: true, req: 'function', exportsIsThis: true });
    expect(first.state).toEqual({ atStart: 'none', after: 'written' });
    const header = fs.readFileSync(cache).subarray(0, 200).toString('latin1').split('\n')[0];
    expect(header).toMatch(new RegExp(`^streams-code-cache v8=${process.versions.v8.replace(/\./g, '\\.')} arch=${process.arch} size=\\d+ mtime=`));

    const second = load(file);
    expect(second.printed.word).toBe('one');
    expect(second.state).toEqual({ atStart: 'used', after: 'used' });
  });

  it('a process that stops before the write leaves no cache behind', () => {
    const { file, cache } = freshBundle('short', 'one');
    // The write is an unref'd timer: a process with nothing left to do exits without it.
    expect(load(file, { waitMs: 0 }).state.atStart).toBe('none');
    expect(fs.existsSync(cache)).toBe(false);
  });

  it('never runs a cache made for another build of the same length: the new code runs and the cache is rewritten', () => {
    const { file, cache } = freshBundle('rebuilt', 'one');
    load(file);
    expect(load(file).state.atStart).toBe('used');
    const before = fs.statSync(file);
    // Same length, other contents, as a rebuild changing one constant would write.
    fs.writeFileSync(file, bundleText('two'));
    expect(fs.statSync(file).size).toBe(before.size);
    fs.utimesSync(file, before.atime, new Date(before.mtimeMs + 5000));
    const rebuilt = load(file);
    expect(rebuilt.printed.word).toBe('two');
    expect(rebuilt.state).toEqual({ atStart: 'none', after: 'written' });
    expect(load(file).state.atStart).toBe('used');
    expect(fs.readdirSync(path.dirname(cache)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a corrupt cache with the right key is rejected by V8, the bundle still runs, and the cache is rewritten', () => {
    const { file, cache } = freshBundle('corrupt', 'one');
    load(file);
    const data = fs.readFileSync(cache);
    const headerEnd = data.indexOf(10) + 1;
    data.fill(0x5a, headerEnd + 16, Math.min(data.length, headerEnd + 400));
    fs.writeFileSync(cache, data);
    const run = load(file);
    expect(run.printed.word).toBe('one');
    expect(run.state).toEqual({ atStart: 'rejected', after: 'written' });
    expect(load(file).state.atStart).toBe('used');
  });

  it('a cache that cannot be written (a read-only install) costs nothing but the cache', () => {
    const { file } = freshBundle('readonly', 'one');
    const cacheFile = path.join(root, 'no-such-folder', 'cli.cjs.cache');
    const run = load(file, { cacheFile });
    expect(run.printed.word).toBe('one');
    expect(run.state).toEqual({ atStart: 'none', after: 'none' });
    expect(fs.existsSync(path.dirname(cacheFile))).toBe(false);
  });

  it('a start with node options of its own keeps its cache in a file of its own', () => {
    const { dir, file } = freshBundle('flags', 'one');
    expect(load(file).state.after).toBe('written');
    const other = load(file, { nodeOptions: ['--max-old-space-size=300'] });
    expect(other.printed.word).toBe('one');
    expect(other.state).toEqual({ atStart: 'none', after: 'written' });
    const caches = fs.readdirSync(dir).filter((n) => n.endsWith('.cache')).sort();
    expect(caches).toHaveLength(2);
    expect(caches).toContain('cli.cjs.cache');
    expect(load(file).state.atStart).toBe('used');
    expect(load(file, { nodeOptions: ['--max-old-space-size=300'] }).state.atStart).toBe('used');
  });
});
