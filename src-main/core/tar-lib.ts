// tar, for a dynamic import (store/backup.ts, runners/outputs.ts): through a module of ours, esbuild's
// split bundle gives the package's names whatever its module format.
export { create, extract } from 'tar';
