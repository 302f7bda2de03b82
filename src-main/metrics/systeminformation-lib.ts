// systeminformation, for a dynamic import (metrics/system-stats.ts): a package in CommonJS imported
// dynamically from the split bundle gives only its `default`, while through this module esbuild gives its names.
export { currentLoad, mem, networkStats, processes } from 'systeminformation';
