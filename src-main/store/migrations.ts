/** Append-only: never edit a migration that has shipped; add the next version instead. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'sessions and probe cache',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        user_agent TEXT NOT NULL DEFAULT '',
        ip TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX sessions_expires ON sessions (expires_at);
      CREATE TABLE ffmpeg_probe (
        key TEXT PRIMARY KEY,
        info TEXT NOT NULL,
        probed_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'streams and secrets',
    sql: `
      CREATE TABLE streams (
        name TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        ladder TEXT NOT NULL,
        private INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'idle',
        state_at INTEGER NOT NULL,
        state_reason TEXT
      );
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
];
