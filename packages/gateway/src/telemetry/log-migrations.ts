// The request-log database's schema (logs.db), as numbered migrations: `PRAGMA user_version` is the last one
// applied; each runs once, in its own transaction. Never edit a released migration: add the next one.

import type { Migration } from '../store/migrate.ts';

const ROLLUP_COLUMNS = `
  requests              INTEGER NOT NULL,
  errors                INTEGER NOT NULL,
  throttled             INTEGER NOT NULL,
  input_tokens          INTEGER NOT NULL,
  output_tokens         INTEGER NOT NULL,
  cache_write_5m_tokens INTEGER NOT NULL,
  cache_write_1h_tokens INTEGER NOT NULL,
  cache_read_tokens     INTEGER NOT NULL,
  cost_pico             INTEGER NOT NULL,
  duration_ms           REAL NOT NULL,
  PRIMARY KEY (resource, bucket, deployment, model, principal)`;

export const LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request log, content, minute, hour and day rollups, budgets and alerts',
    sql: `
      CREATE TABLE request_log (
        id                    INTEGER PRIMARY KEY,
        time                  INTEGER NOT NULL,
        resource              TEXT NOT NULL,
        deployment            TEXT,
        model                 TEXT,
        backend               TEXT,
        operation             TEXT,
        principal             TEXT,
        app_id                TEXT,
        client_ip             TEXT,
        user_agent            TEXT,
        status                INTEGER NOT NULL,
        error_code            TEXT,
        stream                INTEGER NOT NULL,
        ttfb_ms               REAL,
        ttft_ms               REAL,
        duration_ms           REAL NOT NULL,
        overhead_ms           REAL NOT NULL,
        input_tokens          INTEGER NOT NULL,
        output_tokens         INTEGER NOT NULL,
        cache_write_5m_tokens INTEGER NOT NULL,
        cache_write_1h_tokens INTEGER NOT NULL,
        cache_read_tokens     INTEGER NOT NULL,
        cost_pico             INTEGER NOT NULL,
        request_id            TEXT NOT NULL,
        apim_request_id       TEXT NOT NULL,
        client_request_id     TEXT
      ) STRICT;
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_resource_time ON request_log (resource, time);
      CREATE INDEX request_log_request_id ON request_log (request_id);
      CREATE INDEX request_log_apim_request_id ON request_log (apim_request_id);
      CREATE INDEX request_log_client_request_id ON request_log (client_request_id) WHERE client_request_id IS NOT NULL;
      CREATE TABLE request_content (
        log_id    INTEGER PRIMARY KEY,
        request   TEXT NOT NULL,
        response  TEXT NOT NULL,
        truncated INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE usage_minute (
        bucket INTEGER NOT NULL, resource TEXT NOT NULL, deployment TEXT NOT NULL, model TEXT NOT NULL, principal TEXT NOT NULL,
        ${ROLLUP_COLUMNS}
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE usage_hour (
        bucket INTEGER NOT NULL, resource TEXT NOT NULL, deployment TEXT NOT NULL, model TEXT NOT NULL, principal TEXT NOT NULL,
        ${ROLLUP_COLUMNS}
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE usage_day (
        bucket INTEGER NOT NULL, resource TEXT NOT NULL, deployment TEXT NOT NULL, model TEXT NOT NULL, principal TEXT NOT NULL,
        ${ROLLUP_COLUMNS}
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX usage_hour_bucket ON usage_hour (bucket);
      CREATE INDEX usage_day_bucket ON usage_day (bucket);
      CREATE INDEX usage_minute_bucket ON usage_minute (bucket);
      CREATE TABLE budgets (
        resource    TEXT PRIMARY KEY COLLATE NOCASE,
        amount_pico INTEGER NOT NULL,
        thresholds  TEXT NOT NULL,
        enforce     INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE budget_alerts (
        resource    TEXT NOT NULL COLLATE NOCASE,
        month       TEXT NOT NULL,
        threshold   INTEGER NOT NULL,
        spent_pico  INTEGER NOT NULL,
        amount_pico INTEGER NOT NULL,
        time        INTEGER NOT NULL,
        PRIMARY KEY (resource, month, threshold)
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: "a pool deployment's serving upstream and its attempts",
    sql: `
      ALTER TABLE request_log ADD COLUMN upstream TEXT;
      ALTER TABLE request_log ADD COLUMN attempts TEXT;
    `,
  },
  {
    version: 3,
    description: 'indexes for the monitoring API filters: deployment across resources, status, principal, each by time',
    // Each filter alone was a scan of the time range (361 ms for a deployment across resources at 1M rows over
    // 30 days); with (filter, time) SQLite walks only the matching rows, newest first. bench/logs measures them.
    sql: `
      CREATE INDEX request_log_deployment_time ON request_log (deployment, time);
      CREATE INDEX request_log_status_time ON request_log (status, time);
      CREATE INDEX request_log_principal_time ON request_log (principal, time);
    `,
  },
  {
    version: 4,
    description: "records, rollups, budgets and alerts keyed by the resource's instance, not its reusable name",
    // A deleted name may be created again (another owner): what the first account logged must not become the
    // second's. Rows from before carry no instance: NULL in request_log (adding a NULL column rewrites nothing),
    // '-' || lower(name) in the rebuilt tables (a key cannot be NULL there; no instance starts with '-'). No reader
    // asks for those; the store's adopt() gives a live resource back its own (at or after its creation).
    sql: `
      ALTER TABLE request_log ADD COLUMN instance TEXT;
      UPDATE request_log SET instance = '' WHERE resource = '';
      DROP INDEX request_log_resource_time;
      CREATE INDEX request_log_instance_time ON request_log (instance, time);
      ${['usage_minute', 'usage_hour', 'usage_day'].map((t) => `
      CREATE TABLE ${t}_v4 (
        bucket INTEGER NOT NULL, instance TEXT NOT NULL, resource TEXT NOT NULL, deployment TEXT NOT NULL, model TEXT NOT NULL, principal TEXT NOT NULL,
        ${ROLLUP_COLUMNS.replace('PRIMARY KEY (resource,', 'PRIMARY KEY (instance,')}
      ) STRICT, WITHOUT ROWID;
      INSERT INTO ${t}_v4 SELECT bucket, CASE resource WHEN '' THEN '' ELSE '-' || lower(resource) END, resource, deployment, model, principal,
        requests, errors, throttled, input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_pico, duration_ms
        FROM ${t};
      DROP TABLE ${t};
      ALTER TABLE ${t}_v4 RENAME TO ${t};
      CREATE INDEX ${t}_bucket ON ${t} (bucket);`).join('')}
      CREATE TABLE budgets_v4 (
        instance    TEXT PRIMARY KEY,
        resource    TEXT NOT NULL,
        amount_pico INTEGER NOT NULL,
        thresholds  TEXT NOT NULL,
        enforce     INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      INSERT INTO budgets_v4 SELECT '-' || lower(resource), resource, amount_pico, thresholds, enforce, updated_at FROM budgets;
      DROP TABLE budgets;
      ALTER TABLE budgets_v4 RENAME TO budgets;
      CREATE TABLE budget_alerts_v4 (
        instance    TEXT NOT NULL,
        resource    TEXT NOT NULL,
        month       TEXT NOT NULL,
        threshold   INTEGER NOT NULL,
        spent_pico  INTEGER NOT NULL,
        amount_pico INTEGER NOT NULL,
        time        INTEGER NOT NULL,
        PRIMARY KEY (instance, month, threshold)
      ) STRICT;
      INSERT INTO budget_alerts_v4 SELECT '-' || lower(resource), resource, month, threshold, spent_pico, amount_pico, time FROM budget_alerts;
      DROP TABLE budget_alerts;
      ALTER TABLE budget_alerts_v4 RENAME TO budget_alerts;
    `,
  },
];

export const LOG_SCHEMA_VERSION = LOG_MIGRATIONS[LOG_MIGRATIONS.length - 1]!.version;
