import { StudioError } from '../core/errors.js';
import { runRunner } from './runner.js';

// The single-file runner a provisioned machine runs (`node streams-runner.mjs runner [options]`).
const argv = process.argv.slice(2);
runRunner(argv[0] === 'runner' ? argv.slice(1) : argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`streams runner: ${error instanceof StudioError ? error.message : ((error as Error).stack ?? String(error))}\n`);
    process.exit(error instanceof StudioError && error.code === 'CONFIG_INVALID' ? 2 : 1);
  },
);
