// Runs a CommonJS bundle (dist/main/cli.cjs) with a V8 code cache beside it. Compiling the bundle (7 MB then)
// took 145-160 ms of every start (Node 20 keeps no compile cache for ES modules; Node 22's
// module.enableCompileCache is what this does by hand); with the cache it takes about 20 ms. The cache
// is written by a process that has run for a few seconds (the host, `streams edge`, `streams runner`),
// so it holds the functions a start compiled too, not only the top level.
//
// V8 checks a cache against the source's length, not its contents: a rebuilt bundle of the same length
// would run the old code. So the cache file starts with a key line (V8 version, architecture, the
// bundle's size and modification time, read from the same descriptor as the source) and is used only
// when its key is this bundle's. A cache V8 rejects (a corrupt file) is rewritten. V8 also rejects a
// cache made under other flags: a process started with options of its own (--max-old-space-size, ...)
// keeps its cache in a file of its own, so two kinds of start do not rewrite each other's on every run.
// The bundle has no import(): a function compiled from a cache has no dynamic-import callback (Node 20),
// so the build turns each into a require.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** What became of the cache: read by the host for its start log. */
export const CODE_CACHE_STATE = Symbol.for('streams.codeCache');

/**
 * @param {string} filename absolute path of the bundle
 * @param {{ cacheFile?: string, writeAfterMs?: number }} [options]
 */
export function loadBundle(filename, options = {}) {
  const cacheFile = options.cacheFile ?? defaultCacheFile(filename);
  const writeAfterMs = options.writeAfterMs ?? 3000;
  const fd = fs.openSync(filename, 'r');
  let source;
  let key;
  try {
    const stat = fs.fstatSync(fd);
    key = `streams-code-cache v8=${process.versions.v8} arch=${process.arch} size=${stat.size} mtime=${stat.mtimeMs}`;
    // The build writes pure ASCII: latin1 is the fastest exact decoding and a one-byte string in V8.
    source = fs.readFileSync(fd, 'latin1');
  } finally {
    fs.closeSync(fd);
  }

  // The cache's buffer is not kept: only the options object holds it, for the compile.
  const script = new vm.Script(Module.wrap(source), {
    filename,
    cachedData: readCache(cacheFile, key),
  });
  // cachedDataRejected is undefined when no cache was given.
  const state = script.cachedDataRejected === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  globalThis[CODE_CACHE_STATE] = state;

  if (state !== 'used' && writeAfterMs >= 0) {
    setTimeout(() => {
      globalThis[CODE_CACHE_STATE] = writeCache(cacheFile, key, script) ? 'written' : state;
    }, writeAfterMs).unref();
  }

  const dirname = path.dirname(filename);
  const module = new Module(filename, null);
  module.filename = filename;
  module.paths = Module._nodeModulePaths(dirname);
  const require = createRequire(filename);
  script.runInThisContext().call(module.exports, module.exports, require, module, filename, dirname);
  return module.exports;
}

function defaultCacheFile(filename) {
  if (process.execArgv.length === 0) return `${filename}.cache`;
  return `${filename}.${createHash('sha256').update(process.execArgv.join('\0')).digest('hex').slice(0, 12)}.cache`;
}

function readCache(cacheFile, key) {
  let data;
  try {
    data = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = data.indexOf(10);
  if (end < 0 || data.toString('latin1', 0, end) !== key) return undefined;
  return data.subarray(end + 1);
}

/** Written whole or not at all (hosts started at once race for it), and never fatal: dist/ may be read-only. */
function writeCache(cacheFile, key, script) {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), script.createCachedData()]));
    fs.renameSync(temporary, cacheFile);
    return true;
  } catch {
    fs.rmSync(temporary, { force: true });
    return false;
  }
}
