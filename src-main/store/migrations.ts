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
  {
    version: 3,
    name: 'destinations and recordings',
    sql: `
      ALTER TABLE streams ADD COLUMN record INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE destinations (
        id TEXT PRIMARY KEY,
        stream TEXT NOT NULL REFERENCES streams (name) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        url TEXT NOT NULL,
        key_enc TEXT,
        key_hint TEXT,
        auto_start INTEGER NOT NULL DEFAULT 1,
        rendition TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX destinations_stream ON destinations (stream);
      CREATE TABLE recordings (
        id TEXT PRIMARY KEY,
        stream TEXT NOT NULL,
        file TEXT NOT NULL,
        container TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        duration_sec REAL NOT NULL DEFAULT 0,
        size_bytes INTEGER NOT NULL DEFAULT 0,
        video TEXT,
        audio TEXT,
        error TEXT,
        thumbnail TEXT,
        vod TEXT
      );
      CREATE INDEX recordings_stream ON recordings (stream, started_at);
    `,
  },
  {
    version: 4,
    name: 'edge nodes and purge log',
    sql: `
      CREATE TABLE edges (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        region TEXT NOT NULL DEFAULT '',
        version TEXT NOT NULL DEFAULT '',
        registered_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        last_seq INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE cdn_purges (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'stream latency mode and DVR window',
    // Streams made before low latency existed keep the output they had.
    sql: `
      ALTER TABLE streams ADD COLUMN latency TEXT NOT NULL DEFAULT 'standard';
      ALTER TABLE streams ADD COLUMN dvr_minutes INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    name: "an operator's drain of an edge",
    // Only an operator's drain is kept: a decommission's or an upgrade's lasts as long as its job.
    sql: `ALTER TABLE edges ADD COLUMN drained INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 7,
    name: 'video library: uploads, videos and the job queue',
    sql: `
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        size INTEGER,
        file_name TEXT,
        title TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        visibility TEXT NOT NULL DEFAULT 'public',
        tags TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL,
        upload_id TEXT,
        recording_id TEXT,
        file_name TEXT,
        state TEXT NOT NULL,
        preset TEXT NOT NULL,
        normalize_loudness INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        media TEXT,
        outputs TEXT,
        subtitles TEXT NOT NULL DEFAULT '[]',
        chapters TEXT NOT NULL DEFAULT '[]',
        views INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        ready_at INTEGER
      );
      CREATE UNIQUE INDEX videos_upload ON videos (upload_id) WHERE upload_id IS NOT NULL;
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        progress REAL NOT NULL DEFAULT 0,
        step TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        error TEXT,
        estimate_sec REAL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        checkpoint TEXT
      );
      CREATE INDEX jobs_waiting ON jobs (state, priority DESC, created_at);
      CREATE INDEX jobs_subject ON jobs (subject);
    `,
  },
  {
    version: 8,
    name: 'live data channels, chat, windows; the program time a recording starts at',
    sql: `
      CREATE TABLE data_messages (
        stream TEXT NOT NULL,
        channel TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        media_time REAL,
        pdt INTEGER,
        content_type TEXT NOT NULL,
        body BLOB NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (stream, channel, seq)
      );
      CREATE INDEX data_messages_pdt ON data_messages (stream, pdt);
      CREATE INDEX data_messages_at ON data_messages (at);
      CREATE TABLE chat_messages (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        viewer_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        signed_in INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        ip TEXT,
        at INTEGER NOT NULL,
        media_time REAL,
        pdt INTEGER,
        deleted_at INTEGER,
        deleted_by TEXT
      );
      CREATE UNIQUE INDEX chat_messages_room ON chat_messages (room, seq);
      CREATE TABLE chat_viewers (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        display_name TEXT NOT NULL,
        signed_in INTEGER NOT NULL DEFAULT 0,
        ip TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE chat_bans (
        room TEXT NOT NULL,
        viewer_id TEXT NOT NULL,
        display_name TEXT,
        until INTEGER,
        reason TEXT,
        at INTEGER NOT NULL,
        PRIMARY KEY (room, viewer_id)
      );
      CREATE TABLE chat_settings (
        room TEXT PRIMARY KEY,
        settings TEXT NOT NULL
      );
      CREATE TABLE data_windows (
        stream TEXT PRIMARY KEY,
        windows TEXT NOT NULL
      );
      ALTER TABLE recordings ADD COLUMN start_pdt INTEGER;
    `,
  },
  {
    version: 9,
    name: 'users, invitations, API tokens, host JWT keys, audit log; publish and play authorisation per stream',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL,
        password_hash TEXT,
        totp_secret TEXT,
        totp_pending TEXT,
        totp_last_step INTEGER,
        created_at INTEGER NOT NULL,
        last_sign_in_at INTEGER,
        disabled INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE invitations (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        streams TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id);
      ALTER TABLE sessions ADD COLUMN user_id TEXT;
      CREATE TABLE jwt_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        ip TEXT,
        result TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      ALTER TABLE streams ADD COLUMN publish_auth TEXT NOT NULL DEFAULT 'key';
      ALTER TABLE streams ADD COLUMN play_auth TEXT NOT NULL DEFAULT 'default';
      ALTER TABLE streams ADD COLUMN max_viewers INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 10,
    name: "the studio's show: sources, scenes in order, settings and a revision",
    sql: `
      CREATE TABLE scene_sources (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL
      );
      CREATE TABLE scenes (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE studio_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL,
        body TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: "a show's guests: their links, green room and on-show state",
    sql: `
      CREATE TABLE guests (
        id TEXT PRIMARY KEY,
        stream TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        muted INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0,
        invited_at INTEGER NOT NULL,
        joined_at INTEGER,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX guests_stream ON guests (stream, invited_at);
    `,
  },
  {
    version: 12,
    name: "each guest's own recordings of a show (takes uploaded over tus)",
    sql: `
      CREATE TABLE guest_takes (
        upload_id TEXT PRIMARY KEY,
        guest_id TEXT NOT NULL,
        stream TEXT NOT NULL,
        take INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        mime_type TEXT NOT NULL,
        size INTEGER,
        completed_at INTEGER,
        program_lag_ms INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX guest_takes_stream ON guest_takes (stream, started_at);
    `,
  },
  {
    version: 13,
    name: 'per-stream encryption of HLS output',
    sql: `ALTER TABLE streams ADD COLUMN encryption TEXT NOT NULL DEFAULT 'none';`,
  },
  {
    version: 14,
    name: 'recordings of encrypted streams stay encrypted',
    sql: `
      ALTER TABLE recordings ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
      UPDATE recordings SET encrypted = 1 WHERE stream IN (SELECT name FROM streams WHERE encryption != 'none');
    `,
  },
  {
    version: 15,
    name: 'encrypted library videos',
    sql: `
      ALTER TABLE videos ADD COLUMN encryption TEXT NOT NULL DEFAULT 'none';
    `,
  },
  {
    version: 16,
    name: 'per-stream key provider',
    sql: `ALTER TABLE streams ADD COLUMN key_provider_url TEXT NOT NULL DEFAULT '';`,
  },
  {
    version: 17,
    name: "a stream's key provider credential",
    sql: `
      ALTER TABLE streams ADD COLUMN key_provider_token_enc TEXT;
      ALTER TABLE streams ADD COLUMN key_provider_token_hint TEXT;
    `,
  },
  {
    version: 18,
    name: 'data bridges to streaming engines',
    sql: `
      CREATE TABLE data_bridges (
        stream TEXT PRIMARY KEY,
        bridges TEXT NOT NULL
      );
    `,
  },
  {
    version: 19,
    name: 'data processors',
    sql: `
      CREATE TABLE data_processors (
        stream TEXT PRIMARY KEY,
        processors TEXT NOT NULL
      );
    `,
  },
  {
    version: 20,
    name: 'protobuf channel schemas',
    sql: `
      CREATE TABLE data_schemas (
        stream TEXT PRIMARY KEY,
        schemas TEXT NOT NULL
      );
    `,
  },
  {
    version: 21,
    name: 'podcasts: shows, episodes, subscribers and enclosure requests',
    sql: `
      CREATE TABLE podcast_shows (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE podcast_episodes (
        id TEXT PRIMARY KEY,
        show_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX podcast_episodes_show ON podcast_episodes (show_id, created_at);
      CREATE TABLE podcast_subscribers (
        id TEXT PRIMARY KEY,
        show_id TEXT NOT NULL,
        name TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_fetch_at INTEGER
      );
      CREATE INDEX podcast_subscribers_show ON podcast_subscribers (show_id);
      CREATE TABLE podcast_requests (
        id INTEGER PRIMARY KEY,
        show_id TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL,
        method TEXT NOT NULL,
        status INTEGER NOT NULL,
        range_start INTEGER,
        range_end INTEGER,
        bytes INTEGER NOT NULL,
        file_bytes INTEGER NOT NULL,
        duration_sec REAL NOT NULL,
        source TEXT NOT NULL
      );
      CREATE INDEX podcast_requests_show ON podcast_requests (show_id, at);
      CREATE INDEX podcast_requests_episode ON podcast_requests (episode_id, at);
    `,
  },
  {
    version: 22,
    name: 'edge functions',
    sql: `
      CREATE TABLE cdn_functions (
        name TEXT PRIMARY KEY,
        doc TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 23,
    name: 'P2P segment sharing per stream',
    sql: `
      ALTER TABLE streams ADD COLUMN p2p TEXT NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 24,
    name: 'where a stream encodes its ladder',
    sql: `
      ALTER TABLE streams ADD COLUMN encode_on TEXT NOT NULL DEFAULT 'origin';
    `,
  },
];
