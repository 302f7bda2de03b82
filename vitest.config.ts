import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Vitest's order, except that the DVR test runs last: its stream has then been live since the stage began (e2e/dvr-soak.setup.ts). */
class DvrLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isDvr = (f: TestSpecification): boolean => f.moduleId.endsWith('ll-dvr.test.ts');
    return [...sorted.filter((f) => !isDvr(f)), ...sorted.filter(isDvr)];
  }
}

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// Three projects: unit (pure and in-process), integration (real processes: the built host, ffmpeg,
// sqlite files), e2e (Chromium through Playwright against a running host).
// Every test and hook has a bound; a whole stage also has a wall-clock limit in scripts/test.mjs, which
// kills what a stage leaves running.
export default defineConfig({
  define: { __STUDIO_VERSION__: JSON.stringify(version) },
  test: {
    // Closing workers and teardowns at the end of a run: past this vitest exits anyway.
    teardownTimeout: 20_000,
    sequence: { sequencer: DvrLastSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src-*/**/*.test.{ts,tsx}', 'scripts/**/*.test.mjs', 'test-support/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**', 'dist/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src-*/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // A run of both (the bundled-ffmpeg stage) runs the integration files first, then the e2e files.
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['e2e/dvr-soak.setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
