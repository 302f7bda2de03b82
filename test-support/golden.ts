/**
 * Golden files: a writer's output compared byte for byte with a reviewed file next to the test.
 * `UPDATE_GOLDEN=1 npx vitest run <file>` rewrites them; review the diff before committing.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export function expectGolden(actual: string, file: URL): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`no golden file ${file.pathname}: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
