import { StudioError } from '../core/errors.js';
import { runEdge } from './edge.js';

// The single-file agent a provisioned edge runs (`node streams-edge.mjs edge [options]`).
const argv = process.argv.slice(2);
runEdge(argv[0] === 'edge' ? argv.slice(1) : argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`streams edge: ${error instanceof StudioError ? error.message : ((error as Error).stack ?? String(error))}\n`);
    process.exit(error instanceof StudioError && error.code === 'CONFIG_INVALID' ? 2 : 1);
  },
);
