// Lint, including the layering rules of ARCHITECTURE.md as import boundaries.
import fs from 'node:fs';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util',
  'events', 'stream', 'buffer', 'worker_threads', 'dgram', 'tls', 'zlib', 'readline',
];

const layer = (message, group) => ({ group, message });
const folders = (names) => names.flatMap((name) => [`**/${name}/*`, `**/${name}/**`]);
const subfolders = (dir) =>
  fs.readdirSync(new URL(dir, import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
/** The top-level folders of src-main and the protocol servers, as they are on disk. */
const SRC_MAIN_FOLDERS = subfolders('./src-main/');
const SERVERS = subfolders('./src-main/servers/');

// Flat config gives a file the no-restricted-imports of the LAST block that matches it, so each block
// below lists everything its files may not import, built from these shared layers.
const NOT_RENDERER = layer('src-main never imports the renderer or the preload.', ['**/src-renderer/**', '**/src-preload/**']);
const NOT_ELECTRON = layer("Only src-main/app (and src-preload) may import 'electron'.", ['electron']);
const NOT_ROOTS = layer('Domain folders never import the composition roots (entry/) or the Electron shell (app/).', [
  '**/entry/*', '**/entry/**', '**/app/*', '**/app/**',
]);
const NOT_API = layer('Domain folders never import the API layer (api/): take the route-plugin type and the error reply from http/.', ['**/api/*', '**/api/**']);
/** What no domain folder (outside api/, app/, entry/) imports. */
const DOMAIN = [NOT_API, NOT_ROOTS, NOT_ELECTRON, NOT_RENDERER];

/** Each area lists what it must never import; `files` scope where the list applies. */
const boundaries = [
  {
    files: ['src-shared/**/*.ts'],
    ignores: ['src-shared/**/*.test.ts'],
    patterns: [
      {
        regex: '^(?!zod(/|$)|\\.{1,2}/)',
        message: 'src-shared is the contract: it imports zod and its own files only (no Node, no DOM, no other package).',
      },
      layer('src-shared never imports another area.', ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**']),
    ],
    dynamic: true,
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    patterns: [
      layer('src-renderer talks to the studio only through src-shared and its api/ client.', [
        ...NODE_BUILTINS, 'electron', '**/src-main/**', '**/src-preload/**',
      ]),
    ],
  },
  {
    files: ['src-preload/**/*.ts'],
    patterns: [layer('src-preload builds window.studio from src-shared only.', ['**/src-main/**', '**/src-renderer/**'])],
  },
  // Every src-main file; what stays of it after the blocks below is entry/electron.ts's list.
  { files: ['src-main/**/*.ts'], patterns: [NOT_RENDERER] },
  // api/ and the tests of domain folders (which may drive the API layer).
  { files: ['src-main/**/*.ts'], ignores: ['src-main/app/**', 'src-main/entry/**'], patterns: [NOT_ROOTS, NOT_ELECTRON, NOT_RENDERER] },
  {
    // The API layer maps the contract onto the domain: the domain never imports it back. Routes take
    // the plugin type and the error reply from http/, a leaf. protocols/ and servers/ add theirs below.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/api/**', 'src-main/app/**', 'src-main/entry/**', 'src-main/**/*.test.ts'],
    patterns: DOMAIN,
  },
  {
    // protocols/ sits under every folder that speaks a protocol: it takes core/ and the contract only.
    files: ['src-main/protocols/**/*.ts'],
    patterns: [
      layer('protocols/ is a toolkit under the domain: it imports core/, src-shared and its own files only, never a server or another folder.', folders(
        SRC_MAIN_FOLDERS.filter((name) => name !== 'core' && name !== 'protocols'),
      )),
      ...DOMAIN,
    ],
  },
  // A server takes what it shares with another server from protocols/ (or the hub, media/), never from
  // that server's folder. One block per server, so that its own files stay allowed.
  ...SERVERS.map((server) => ({
    files: [`src-main/servers/${server}/**/*.ts`],
    ignores: ['src-main/**/*.test.ts'],
    patterns: [
      layer("A server never imports another server's files: what servers share lives in protocols/ (or media/, the hub).",
        SERVERS.filter((other) => other !== server).flatMap((other) => [`../${other}/*`, `../${other}/**`, `**/servers/${other}/*`, `**/servers/${other}/**`]),
      ),
      ...DOMAIN,
    ],
  })),
  {
    files: ['src-main/app/**/*.ts'],
    patterns: [
      layer('The Electron shell takes a dispatch function and the event bus: it never imports the composition roots (entry/).', [
        '**/entry/*', '**/entry/**',
      ]),
      NOT_RENDERER,
    ],
  },
  {
    files: ['src-main/entry/**/*.ts'],
    ignores: ['src-main/entry/electron.ts'],
    patterns: [layer("Only the Electron entry may import 'electron' or app/.", ['electron', '**/app/*', '**/app/**']), NOT_RENDERER],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'e2e/artifacts/**', 'bench/results/**', '**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests read loosely typed JSON responses; production code may not.
    files: ['**/*.test.{ts,tsx}', 'test-support/**', 'e2e/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Rule 5: core/children.ts is the one module that starts processes (parent-death signal, ledger,
    // graceful stop); everything else asks a ChildRegistry. Type imports are fine.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/core/children.ts', 'src-main/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[importKind='value'][source.value=/^(node:)?child_process$/] > :matches(ImportSpecifier[importKind='value'][imported.name=/^(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)$/], ImportDefaultSpecifier, ImportNamespaceSpecifier)",
          message: 'Only core/children.ts starts processes: spawn or run through a ChildRegistry.',
        },
      ],
    },
  },
  ...boundaries.map(({ files, ignores, patterns, dynamic }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      '@typescript-eslint/no-restricted-imports': 'off',
      // import() would slip past no-restricted-imports: the contract has no reason to load code lazily.
      ...(dynamic
        ? { 'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'src-shared loads no module at run time.' }] }
        : {}),
    },
  })),
);
