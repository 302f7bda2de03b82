export * from './define.js';
export * from './methods.js';
export * from './events.js';
export * from './system.js';
export * from './config.js';
export * from './streams.js';
export * from './transport.js';
export * from './restream.js';
