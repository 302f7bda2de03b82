#!/usr/bin/env node
// Builds main (host CLI + Electron main), preload and renderer into dist/.
// `--if-stale` skips the build when dist/ is newer than every source file (npm start stays fast).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const define = { __STUDIO_VERSION__: JSON.stringify(pkg.version) };
const SOURCES = ['src-main', 'src-shared', 'src-preload', 'src-renderer', 'package.json', 'vite.config.ts'];
const OUTPUTS = ['dist/main/cli.cjs', 'dist/main/vendor/werift.cjs', 'dist/main/electron.cjs', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/renderer/guest.html'];

function newestMtime(p) {
  const full = path.join(root, p);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(full).map((name) => newestMtime(path.join(p, name))));
}

function isStale() {
  const built = OUTPUTS.map((p) => newestMtime(p));
  if (built.some((t) => t === 0)) return true;
  return Math.max(...SOURCES.map(newestMtime)) > Math.min(...built);
}

// The native addon first (its own staleness check): a -dev package installed since `npm ci` (the test
// setup installs them) brings its part in.
spawnSync(process.execPath, [path.join(root, 'native', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

const started = Date.now();
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, define, logLevel: 'warning', absWorkingDir: root };

// The CLI bundles its dependencies: one file loads in about half the time of resolving hundreds of
// modules at start-up. Native addons and packages that locate binaries at run time stay external (dbus-next
// looks for its optional native socket module with `bindings`, which needs a real __filename), and
// aedes too: the MQTT 5 support hooks the very mqtt-packet module aedes loaded (servers/mqtt/v5.ts),
// which a bundled aedes would not share.
// It is CommonJS, run by bin/load-bundle.mjs with a V8 code cache: compiling the bundle was 145-160 ms
// of every start, and Node 20 caches no compiled ES module. Strict, as the ES module it was (and as its
// bundled CommonJS dependencies ran inside it). What it loads on first use (werift, the bridges'
// clients, ...) lives in vendor files of its own (LAZY_VENDOR below) or is evaluated on first use;
// whitespace is minified (4.3 MB instead of 7.1 MB held in memory as the source of every lazily
// compiled function, 10.6 MB before either) and the licence comments go to
// cli.cjs.LEGAL.txt; cli.cjs.map takes a stack trace's positions back to the sources.
// An `import fs from 'node:fs'` of each of the bundle's modules becomes `__toESM(require("node:fs"))`,
// a new object with a getter per export: 300 of them at start (84 for node:path alone), 9 ms of a
// profiled start. A built-in's exports never change, so one view per built-in (and mode) serves all.
// `__toESN` has the length of `__toESM`: the source map's columns stay right.
const BUILTIN_VIEWS =
  'const __builtinViews=new Map;function __toESN(m,n){const k=n?1:0;let v=__builtinViews.get(m);if(!v)__builtinViews.set(m,v=[]);return v[k]??=__toESM(m,n)}';
/** Shares the built-in views, and refuses a bundle that kept an import() (see `supported` below) or a LAZY_VENDOR package, in one read. */
function rewriteBuiltinImports(file) {
  const text = fs.readFileSync(file, 'utf8');
  const rewritten = text.replace(/__toESM\(require\("node:/g, '__toESN(require("node:');
  if (rewritten === text) throw new Error(`build: no built-in import found to rewrite in ${file}: has esbuild's __toESM changed?`);
  const inlined = LAZY_VENDOR.find((name) => rewritten.includes(`"node_modules/${name}/`));
  if (inlined) throw new Error(`build: ${file} has ${inlined} inside it (imported under another path?): it belongs in dist/main/vendor/`);
  const leftImport = /\bimport\(\s*["'`]([^"'`]+)/.exec(rewritten);
  if (leftImport) throw new Error(`build: ${file} still has import("${leftImport[1]}"), which fails once the code cache is used`);
  fs.writeFileSync(file, rewritten);
}
// Packages the host reaches only when a feature is first used (WebRTC, the bridges' NATS and Redis
// clients, the certificate authority, system stats, backups, QR codes for two-factor set-up, uploads to
// runners) are bundled each into a file of its own, dist/main/vendor/<name>.cjs, and required from there
// when first needed: in the CLI bundle their 3 MB of source (40 % of it) sat in every host's memory as
// part of the one source string V8 keeps for lazily compiled functions, though no idle host runs them.
// A vendor file is required without a code cache (a first WebRTC session compiles werift: a few ms).
// Only our own imports are redirected: a package inside a vendor file keeps its own copies.
const NATIVE_EXTERNALS = ['better-sqlite3', '@ffmpeg-installer/ffmpeg', 'ssh2', 'aedes', '@node-rs/argon2', 'dbus-next'];
const LAZY_VENDOR = ['werift', 'systeminformation', 'nats', 'ioredis', 'tar', 'qrcode', 'tus-js-client', '@peculiar/x509'];
const vendorName = (name) => name.replace(/^@/, '').replace(/\//g, '-');
const lazyVendor = {
  name: 'lazy-vendor',
  setup(b) {
    // esbuild calls back only for these exact names (its Go side runs the filter).
    const filter = new RegExp(`^(${LAZY_VENDOR.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}`) ? undefined : { path: `./vendor/${vendorName(args.path)}.cjs`, external: true },
    );
  },
};
// What the CLI bundle and its vendor files have in common. No import() left in them: V8 compiles a
// function read from a code cache without the script's dynamic-import callback, so an import() there
// fails ("A dynamic import callback was not specified", seen on `import('ssh2')` once the cache was
// used). Every import() becomes a require, as in any CommonJS module (the externals are CommonJS).
const META_URL = 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;';
const cjsBundle = {
  ...common,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  supported: { 'dynamic-import': false },
  external: NATIVE_EXTERNALS,
  define: { ...define, 'import.meta.url': '__importMetaUrl' },
};
await esbuild({
  ...cjsBundle,
  entryPoints: Object.fromEntries(LAZY_VENDOR.map((name) => [vendorName(name), name])),
  outdir: 'dist/main/vendor',
  banner: { js: META_URL },
});
await esbuild({
  ...cjsBundle,
  entryPoints: { cli: 'src-main/entry/cli.ts' },
  plugins: [lazyVendor],
  outdir: 'dist/main',
  banner: { js: `"use strict";${META_URL}${BUILTIN_VIEWS}` },
});
rewriteBuiltinImports(path.join(root, 'dist/main/cli.cjs'));
// What earlier builds wrote (the ES module cli.js and its chunks) goes once a day old: a host started
// before this build may still load a chunk of its own when it first needs one.
for (const stale of ['dist/main/chunks', 'dist/main/cli.js', 'dist/main/cli.js.map']) {
  const at = path.join(root, stale);
  if (!fs.existsSync(at)) continue;
  const isFolder = fs.statSync(at).isDirectory();
  const files = isFolder ? fs.readdirSync(at).map((name) => path.join(at, name)) : [at];
  for (const file of files) if (Date.now() - fs.statSync(file).mtimeMs > 86_400_000) fs.rmSync(file, { force: true });
  if (isFolder && fs.readdirSync(at).length === 0) fs.rmSync(at, { recursive: true });
}

// The edge agent as one file: `streams edge provision` uploads it to the edge server.
await esbuild({
  ...common,
  entryPoints: ['src-main/entry/edge-main.ts'],
  outfile: 'dist/edge/streams-edge.mjs',
  format: 'esm',
  sourcemap: false,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

// The runner as one file: `streams runner provision` uploads it to the runner machine.
await esbuild({
  ...common,
  entryPoints: ['src-main/entry/runner-main.ts'],
  outfile: 'dist/edge/streams-runner.mjs',
  format: 'esm',
  sourcemap: false,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

// Electron loads CommonJS most reliably; import.meta.url is rebuilt from __filename.
const cjsMeta = { banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" } };
if (fs.existsSync(path.join(root, 'src-main/entry/electron.ts'))) {
  await esbuild({
    ...common,
    ...cjsMeta,
    entryPoints: ['src-main/entry/electron.ts'],
    outfile: 'dist/main/electron.cjs',
    format: 'cjs',
    packages: 'external',
    define: { ...define, 'import.meta.url': '__importMetaUrl' },
  });
}
// A sandboxed preload can require only 'electron': everything else is bundled in.
if (fs.existsSync(path.join(root, 'src-preload/preload.ts'))) {
  await esbuild({
    ...common,
    entryPoints: ['src-preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
    format: 'cjs',
    platform: 'browser',
    external: ['electron'],
  });
}

// V8 keeps a script's source as one string, and a source with a single character beyond Latin-1 as two
// bytes per character: cli.js (5 MB) was held as 10 MB, all through the host's life, for the `§` and `—`
// of a dependency's comments. esbuild escapes every non-ASCII character of code (charset ascii, its
// default) but not of the comments it keeps, so these are escaped here (`\u2014`, which also means the
// character in a string or a regular expression, were one left). Measured (bench/startup, same run):
// cli.js 10.2 -> 5.1 MB of heap; idle RSS 134.1 -> 131.7 MiB warm, 136.6 -> 131.9 MiB on a new home.
for (const dir of ['dist/main', 'dist/edge', 'dist/preload']) {
  const at = path.join(root, dir);
  for (const name of fs.existsSync(at) ? fs.readdirSync(at, { recursive: true }) : []) {
    const file = path.join(at, String(name));
    if (!/\.(?:mjs|cjs|js)$/.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (!/[\u0080-\uffff]/.test(text)) continue;
    fs.writeFileSync(file, text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
}

const { build: viteBuild } = await import('vite');
await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
process.stdout.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
