// tus-js-client, for a dynamic import (runners/transfer.ts): a package in CommonJS imported dynamically
// from the split bundle gives only its `default`, while through this module esbuild gives its names.
export { Upload } from 'tus-js-client';
