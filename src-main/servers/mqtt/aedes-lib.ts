// aedes, loaded with the broker's first client (server.ts). Through a module of ours: from the split
// bundle a dynamic import of a CommonJS package gives only its default.
export { Aedes } from 'aedes';
