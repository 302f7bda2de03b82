import type Database from 'better-sqlite3';

/**
 * A database's whole schema as one text (every table, index and trigger with its CREATE statement),
 * as an SQL expression: a trigger can evaluate it inside an open transaction, where no JS may query.
 */
export const SCHEMA_TEXT_SQL =
  "(SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), char(10) ORDER BY type, name) FROM main.sqlite_master)";

export function schemaText(db: Database.Database): string {
  return (db.prepare(`SELECT ${SCHEMA_TEXT_SQL} AS schema`).get() as { schema: string | null }).schema ?? '';
}

/** Rows per table (SQLite's own tables included: sqlite_sequence holds the AUTOINCREMENT counters). */
export function rowCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

/** The versions recorded in schema_migrations, ascending. */
export function appliedVersions(db: Database.Database): number[] {
  return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
}
