import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import { isLoopback, publicHost } from '../http/loopback.js';
import { createHttpApp, type HttpServerOptions } from './http.js';

export interface ListenOptions {
  port: number;
  bind: string;
  tlsCert: string;
  tlsKey: string;
  allowInsecureRemote: boolean;
}

/** Reads the TLS pair and refuses a network-facing bind without it (unless explicitly allowed). */
export function resolveTls(listen: ListenOptions): { cert: Buffer; key: Buffer } | undefined {
  if ((listen.tlsCert === '') !== (listen.tlsKey === '')) {
    const missing = listen.tlsCert === '' ? 'http.tlsCert' : 'http.tlsKey';
    throw new StudioError('CONFIG_INVALID', `${missing}: must be set together with ${missing === 'http.tlsCert' ? 'http.tlsKey' : 'http.tlsCert'}`, {
      field: missing,
    });
  }
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (listen.tlsCert !== '') {
    const read = (file: string, field: string): Buffer => {
      try {
        return fs.readFileSync(file);
      } catch (error) {
        throw new StudioError('CONFIG_INVALID', `${field}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
          field,
          path: file,
        });
      }
    };
    tls = { cert: read(listen.tlsCert, 'http.tlsCert'), key: read(listen.tlsKey, 'http.tlsKey') };
  }
  if (!tls && !isLoopback(listen.bind) && !listen.allowInsecureRemote) {
    throw new StudioError(
      'INSECURE_BIND',
      `refusing to listen on ${listen.bind} without TLS: set http.tlsCert and http.tlsKey, bind to 127.0.0.1, ` +
        'or set http.allowInsecureRemote: true on a network you trust',
      { bind: listen.bind },
    );
  }
  return tls;
}

/** The HTTP(S) listener as a service: can be stopped and started again (the tray's Start/Stop server). */
export class HttpService implements Service {
  readonly name = 'http';
  private app: FastifyInstance | undefined;
  private boundPort = 0;

  constructor(
    private readonly appOptions: Omit<HttpServerOptions, 'tls'>,
    private readonly listen: ListenOptions,
  ) {}

  get running(): boolean {
    return this.app !== undefined;
  }

  get port(): number {
    return this.boundPort;
  }

  get secure(): boolean {
    return this.listen.tlsCert !== '';
  }

  /** The base URL clients use; loopback binds and wildcards are shown as 127.0.0.1. */
  get url(): string {
    return `${this.secure ? 'https' : 'http'}://${publicHost(this.listen.bind)}:${this.boundPort || this.listen.port}`;
  }

  async start(): Promise<void> {
    if (this.app) return;
    const tls = resolveTls(this.listen);
    const app = await createHttpApp({ ...this.appOptions, ...(tls ? { tls } : {}) });
    try {
      await app.listen({ port: this.listen.port, host: this.listen.bind });
    } catch (error) {
      await app.close().catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new StudioError('PORT_IN_USE', `port ${this.listen.port} on ${this.listen.bind} is already in use (http.port)`, {
          port: this.listen.port,
          field: 'http.port',
        });
      }
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        throw new StudioError('CONFIG_INVALID', `http.bind: ${this.listen.bind} is not an address of this machine`, {
          field: 'http.bind',
        });
      }
      if (code === 'EACCES') {
        throw new StudioError('PORT_IN_USE', `port ${this.listen.port} needs privileges this user does not have (http.port)`, {
          port: this.listen.port,
          field: 'http.port',
        });
      }
      throw error;
    }
    const address = app.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.listen.port;
    this.app = app;
  }

  async dispose(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (!app) return;
    // Event sockets stay open forever: close them so that close() does not wait on them.
    app.websocketServer?.clients.forEach((client) => client.close(1001, 'host stopping'));
    await app.close();
  }
}
