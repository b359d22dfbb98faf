// Logs: the request log as a table, filtered by resource, deployment, status, principal, request id and time range,
// newest first, a page at a time (the API's keyset cursor), and one record's detail; its prompt and reply only when
// its resource stores content (contentLogging), which the API returns with includeContent.
import { useEffect, useState } from 'preact/hooks';
import { type Account, listAccounts } from '../api.ts';
import { cursorOf, type LogFilters, type LogRecord, logRecord, logs, type Range, RANGES } from '../monitoring.ts';

const PAGE = 25;
const REFRESH_MS = 3000;
const STATUSES = ['', '2xx', '4xx', '5xx', '400', '401', '403', '404', '429', '500', '529'];
const FIELDS: Array<[keyof LogRecord, string]> = [
  ['time', 'Time (UTC)'], ['resource', 'Resource'], ['deployment', 'Deployment'], ['model', 'Model'], ['backend', 'Backend'], ['operation', 'Operation'],
  ['status', 'Status'], ['errorCode', 'Error code'], ['principal', 'Principal'], ['appId', 'App ID'], ['clientIp', 'Client IP'], ['userAgent', 'User agent'],
  ['stream', 'Streamed'], ['ttfbMs', 'To first byte (ms)'], ['ttftMs', 'To first token (ms)'], ['durationMs', 'Duration (ms)'], ['overheadMs', 'Gateway overhead (ms)'],
  ['inputTokens', 'Input tokens'], ['outputTokens', 'Output tokens'], ['cacheWrite5mTokens', 'Cache write 5m'], ['cacheWrite1hTokens', 'Cache write 1h'],
  ['cacheReadTokens', 'Cache read'], ['costUsd', 'Cost (USD)'], ['requestId', 'request-id'], ['apimRequestId', 'apim-request-id'], ['clientRequestId', 'x-ms-client-request-id'],
];

function Detail({ record, onClose }: { record: LogRecord; onClose: () => void }) {
  const [full, setFull] = useState<LogRecord>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    logRecord(record.requestId, record.resource).then((r) => setFull(r ?? record), (err: Error) => setError(err.message));
  }, [record.requestId]);
  const shown = full ?? record;
  return (
    <section class="detail" aria-labelledby="detail-title" data-testid="log-detail">
      <h2 id="detail-title">Request {shown.requestId}</h2>
      <button type="button" onClick={onClose}>Close detail</button>
      {error && <p role="alert" class="error">{error}</p>}
      <dl class="fields">
        {FIELDS.map(([k, label]) => <div key={k}><dt>{label}</dt><dd>{shown[k] === null || shown[k] === undefined ? '—' : String(shown[k])}</dd></div>)}
      </dl>
      {full && !full.content && <p class="note">No prompt or reply: the resource {shown.resource || '(none)'} does not store content.</p>}
      {full?.content && (
        <>
          <h3>Request body{full.content.truncated ? ' (cut)' : ''}</h3>
          <pre tabIndex={0}>{full.content.request}</pre>
          <h3>Response</h3>
          <pre tabIndex={0}>{full.content.response}</pre>
        </>
      )}
    </section>
  );
}

export function Logs() {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [draft, setDraft] = useState<LogFilters>({ from: '1h' });
  const [filters, setFilters] = useState<LogFilters>({ from: '1h' });
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<{ value: LogRecord[]; nextLink: string | null }>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<LogRecord>();
  const [live, setLive] = useState(true);

  useEffect(() => void listAccounts().then(setAccounts, (err: Error) => setError(err.message)), []);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      logs(filters, PAGE, cursor).then((p) => !stopped && (setPage(p), setError(undefined)), (err: Error) => !stopped && setError(err.message)).finally(() => {
        // The newest page follows new records while Live is on; older pages stay put (their cursor is fixed).
        if (!stopped && live && cursor === undefined) timer = setTimeout(() => void load(), REFRESH_MS);
      });
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [filters, cursor, live]);
  useEffect(() => setPage(undefined), [filters, cursor]);

  const edit = (patch: Partial<LogFilters>) => setDraft({ ...draft, ...patch });
  const apply = (e: Event) => {
    e.preventDefault();
    setCursors([undefined]);
    setSelected(undefined);
    setFilters({ ...draft });
  };
  const text = (name: 'deployment' | 'principal' | 'requestId', label: string) => (
    <div class="field">
      <label for={`log-${name}`}>{label}</label>
      <input id={`log-${name}`} value={draft[name] ?? ''} onInput={(e) => edit({ [name]: e.currentTarget.value.trim() })} />
    </div>
  );

  return (
    <section class="logs">
      <h1>Logs</h1>
      <form class="filters" onSubmit={apply} aria-label="Filters">
        <div class="field">
          <label for="log-resource">Resource</label>
          <select id="log-resource" value={draft.resource ?? ''} onChange={(e) => edit({ resource: e.currentTarget.value })}>
            <option value="">All I may read</option>
            {accounts.map((a) => <option key={a.id} value={a.name}>{a.name}</option>)}
          </select>
        </div>
        {text('deployment', 'Deployment')}
        <div class="field">
          <label for="log-status">Status</label>
          <select id="log-status" value={draft.status ?? ''} onChange={(e) => edit({ status: e.currentTarget.value })}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || 'Any'}</option>)}
          </select>
        </div>
        {text('principal', 'Principal')}
        {text('requestId', 'Request ID')}
        <div class="field">
          <label for="log-range">Time range</label>
          <select id="log-range" value={draft.from} onChange={(e) => edit({ from: e.currentTarget.value as Range })}>
            {RANGES.map((r) => <option key={r} value={r}>Last {r}</option>)}
          </select>
        </div>
        <button type="submit" class="primary">Apply</button>
        <label class="check"><input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live (newest page, every {REFRESH_MS / 1000} s)</label>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {!page && !error && <p>Loading…</p>}
      {page && page.value.length === 0 && <p data-testid="logs-empty">No requests match.</p>}
      {page && page.value.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Request log table">
          <table data-testid="logs-table">
            <thead>
              <tr><th scope="col">Time (UTC)</th><th scope="col">Resource</th><th scope="col">Deployment</th><th scope="col">Status</th><th scope="col">Principal</th><th scope="col">Tokens in/out</th><th scope="col">Duration</th><th scope="col">Request ID</th></tr>
            </thead>
            <tbody>
              {page.value.map((r) => (
                <tr key={r.id} class={selected?.id === r.id ? "selected" : undefined}>
                  <td>{r.time.slice(0, 19).replace('T', ' ')}</td><td>{r.resource}</td><td>{r.deployment}</td><td>{r.status}</td><td>{r.principal}</td>
                  <td>{r.inputTokens}/{r.outputTokens}</td><td>{r.durationMs} ms</td>
                  <td><button type="button" class="link" onClick={() => setSelected(r)} aria-label={`Details of ${r.requestId}`}>{r.requestId}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="row pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <span class="note">Page {cursors.length}</span>
        <button type="button" disabled={!page?.nextLink} onClick={() => page?.nextLink && setCursors([...cursors, cursorOf(page.nextLink)])}>Older</button>
      </div>
      {selected && <Detail record={selected} onClose={() => setSelected(undefined)} />}
    </section>
  );
}
