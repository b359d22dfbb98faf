// The request log's schema on PostgreSQL, as numbered migrations run by store/migrate.ts (component 'log').
// Its own list, not PostgreSQL texts beside logs.db's (../log-migrations.ts): the partitioned schema is not those
// three steps replayed, so the versions do not correspond.
// The same tables and columns as logs.db (../log-migrations.ts), with what PostgreSQL adds: request_log and
// request_content are partitioned by UTC day on `time` (partitions.ts creates them ahead and retention drops
// them whole), and each row keeps the id of the transaction that wrote it (`xid`), which follow mode reads
// against snapshots (../follow-cursor.ts). Never edit a released migration: add the next one.

const ROLLUP = (table: string) => `
  CREATE TABLE ${table} (
    bucket bigint NOT NULL, resource text NOT NULL, deployment text NOT NULL, model text NOT NULL, principal text NOT NULL,
    requests bigint NOT NULL, errors bigint NOT NULL, throttled bigint NOT NULL,
    input_tokens bigint NOT NULL, output_tokens bigint NOT NULL, cache_write_5m_tokens bigint NOT NULL,
    cache_write_1h_tokens bigint NOT NULL, cache_read_tokens bigint NOT NULL, cost_pico bigint NOT NULL,
    duration_ms double precision NOT NULL,
    PRIMARY KEY (resource, bucket, deployment, model, principal)
  );
  CREATE INDEX ${table}_bucket ON ${table} (bucket);`;

import type { Migration } from '../../store/migrate.ts';

export const POSTGRES_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request log and content partitioned by day, minute, hour and day rollups, budgets and alerts, KQL functions',
    postgres: `
      CREATE SEQUENCE request_log_id_seq;
      CREATE TABLE request_log (
        id                    bigint NOT NULL DEFAULT nextval('request_log_id_seq'),
        xid                   xid8 NOT NULL DEFAULT pg_current_xact_id(),
        time                  bigint NOT NULL,
        resource              text NOT NULL,
        deployment            text,
        model                 text,
        backend               text,
        operation             text,
        principal             text,
        app_id                text,
        client_ip             text,
        user_agent            text,
        status                integer NOT NULL,
        error_code            text,
        stream                smallint NOT NULL,
        ttfb_ms               double precision,
        ttft_ms               double precision,
        duration_ms           double precision NOT NULL,
        overhead_ms           double precision NOT NULL,
        input_tokens          bigint NOT NULL,
        output_tokens         bigint NOT NULL,
        cache_write_5m_tokens bigint NOT NULL,
        cache_write_1h_tokens bigint NOT NULL,
        cache_read_tokens     bigint NOT NULL,
        cost_pico             bigint NOT NULL,
        request_id            text NOT NULL,
        apim_request_id       text NOT NULL,
        client_request_id     text,
        upstream              text,
        attempts              text
      ) PARTITION BY RANGE (time);
      ALTER SEQUENCE request_log_id_seq OWNED BY request_log.id;
      CREATE INDEX request_log_time ON request_log (time);
      CREATE INDEX request_log_resource_time ON request_log (resource, time);
      CREATE INDEX request_log_request_id ON request_log (request_id);
      CREATE INDEX request_log_apim_request_id ON request_log (apim_request_id);
      CREATE INDEX request_log_client_request_id ON request_log (client_request_id) WHERE client_request_id IS NOT NULL;
      CREATE INDEX request_log_deployment_time ON request_log (deployment, time);
      CREATE INDEX request_log_status_time ON request_log (status, time);
      CREATE INDEX request_log_principal_time ON request_log (principal, time);
      CREATE INDEX request_log_xid ON request_log (xid, id);
      CREATE TABLE request_content (
        log_id    bigint NOT NULL,
        time      bigint NOT NULL,
        request   text NOT NULL,
        response  text NOT NULL,
        truncated smallint NOT NULL
      ) PARTITION BY RANGE (time);
      CREATE INDEX request_content_log_id ON request_content (log_id);
      ${ROLLUP('usage_minute')}
      ${ROLLUP('usage_hour')}
      ${ROLLUP('usage_day')}
      CREATE TABLE budgets (
        resource    text NOT NULL,
        amount_pico bigint NOT NULL,
        thresholds  text NOT NULL,
        enforce     boolean NOT NULL,
        updated_at  bigint NOT NULL
      );
      -- Resource names compare without case, as Azure's do (logs.db: COLLATE NOCASE).
      CREATE UNIQUE INDEX budgets_resource ON budgets (lower(resource));
      CREATE TABLE budget_alerts (
        resource    text NOT NULL,
        month       text NOT NULL,
        threshold   integer NOT NULL,
        spent_pico  bigint NOT NULL,
        amount_pico bigint NOT NULL,
        time        bigint NOT NULL
      );
      CREATE UNIQUE INDEX budget_alerts_key ON budget_alerts (lower(resource), month, threshold);
      -- KQL's has: the term bounded by non-word characters (or the ends); every other character escaped for the regex.
      CREATE FUNCTION kql_has(hay text, term text, cs integer) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
        SELECT CASE
          WHEN hay IS NULL OR term IS NULL THEN false
          WHEN term = '' THEN true
          WHEN cs = 1 THEN hay ~ ('(^|[^[:alnum:]_])' || regexp_replace(term, '([^[:alnum:]_])', '\\\\\\1', 'g') || '($|[^[:alnum:]_])')
          ELSE hay ~* ('(^|[^[:alnum:]_])' || regexp_replace(term, '([^[:alnum:]_])', '\\\\\\1', 'g') || '($|[^[:alnum:]_])')
        END
      $f$;
    `,
  },
  {
    version: 2,
    description: "records, rollups, budgets and alerts keyed by the resource's instance, not its reusable name",
    // As logs.db's migration 4 (../log-migrations.ts): rows from before carry no instance (NULL in request_log, a
    // metadata-only change; '-' || lower(name) in the rollups, budgets and alerts), and no reader asks for those
    // until the store's adopt() gives a live resource back its own.
    postgres: `
      ALTER TABLE request_log ADD COLUMN instance text;
      UPDATE request_log SET instance = '' WHERE resource = '';
      DROP INDEX request_log_resource_time;
      CREATE INDEX request_log_instance_time ON request_log (instance, time);
      ${['usage_minute', 'usage_hour', 'usage_day'].map((t) => `
      ALTER TABLE ${t} ADD COLUMN instance text;
      UPDATE ${t} SET instance = CASE resource WHEN '' THEN '' ELSE '-' || lower(resource) END;
      ALTER TABLE ${t} ALTER COLUMN instance SET NOT NULL;
      ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey;
      ALTER TABLE ${t} ADD PRIMARY KEY (instance, bucket, deployment, model, principal);`).join('')}
      ALTER TABLE budgets ADD COLUMN instance text;
      UPDATE budgets SET instance = '-' || lower(resource);
      ALTER TABLE budgets ALTER COLUMN instance SET NOT NULL;
      DROP INDEX budgets_resource;
      CREATE UNIQUE INDEX budgets_instance ON budgets (instance);
      ALTER TABLE budget_alerts ADD COLUMN instance text;
      UPDATE budget_alerts SET instance = '-' || lower(resource);
      ALTER TABLE budget_alerts ALTER COLUMN instance SET NOT NULL;
      DROP INDEX budget_alerts_key;
      CREATE UNIQUE INDEX budget_alerts_key ON budget_alerts (instance, month, threshold);
    `,
  },
];
