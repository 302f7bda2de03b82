/**
 * A child process for the kill-mid-migration test (bundled by it): opens a home, runs the product's
 * migrate() over it, and stops inside migration <version>'s transaction, after its SQL ran and as its
 * schema_migrations row goes in, before the commit. There it writes one JSON line to stdout,
 * `{"paused": version, "schema": text}` (the schema as that open transaction sees it), and waits to
 * be killed. A `{"done": true}` line instead means it never got there.
 * Usage: paused-migration <database file> <version>
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from '../src-main/store/db.js';
import { SCHEMA_TEXT_SQL } from './sqlite-schema.js';

const [file, versionText] = process.argv.slice(2);
const version = Number(versionText);
if (!file || !Number.isInteger(version)) throw new Error('usage: paused-migration <database file> <version>');

const db = new Database(file);
// The connection as openDatabase leaves it before migrating.
db.pragma('busy_timeout = 2000');
db.pragma('foreign_keys = ON');
const gate = new Int32Array(new SharedArrayBuffer(4));
db.function('pause', (paused: unknown, schema: unknown) => {
  fs.writeSync(1, `${JSON.stringify({ paused, schema })}\n`);
  // Blocks this thread with the transaction open: nothing of it is committed while the parent kills us.
  Atomics.wait(gate, 0, 0, 30_000);
  return null;
});
// TEMP: the trigger lives in this connection only, so the file itself never holds it.
db.exec(`CREATE TEMP TRIGGER pause_before_commit AFTER INSERT ON main.schema_migrations WHEN NEW.version = ${version}
  BEGIN SELECT pause(NEW.version, ${SCHEMA_TEXT_SQL}); END`);
migrate(db);
fs.writeSync(1, `${JSON.stringify({ done: true })}\n`);
db.close();
