// The table KQL queries see: `RequestLogs`, one row per data-plane request, with the column names Azure's
// resource logs for Cognitive Services (Foundry) use where they have one (TimeGenerated, OperationName,
// DurationMs, ResultSignature, CorrelationId, CallerIPAddress...), and the request log's own fields otherwise.
// Each column is an SQL expression over request_log; values never enter the SQL text (compile.ts binds them).

export type KqlType = 'datetime' | 'long' | 'real' | 'string' | 'bool' | 'timespan';

export interface TableColumn {
  name: string;
  sql: string;
  type: KqlType;
  description: string;
}

export const TABLE_NAME = 'RequestLogs';

export const TABLE_COLUMNS: readonly TableColumn[] = [
  { name: 'TimeGenerated', sql: 'time', type: 'datetime', description: 'when the request arrived (UTC)' },
  { name: 'Resource', sql: 'resource', type: 'string', description: "the Foundry resource (account); '' when none was resolved" },
  { name: 'OperationName', sql: "CASE operation WHEN 'messages' THEN 'Messages_Create' WHEN 'count_tokens' THEN 'Messages_CountTokens' ELSE '' END", type: 'string', description: '`Messages_Create` or `Messages_CountTokens`' },
  { name: 'ResultSignature', sql: 'status', type: 'long', description: 'the HTTP status sent (499: the client left first)' },
  { name: 'ResultType', sql: "CASE WHEN status < 400 AND error_code IS NULL THEN 'Succeeded' ELSE 'Failed' END", type: 'string', description: '`Succeeded` or `Failed`' },
  { name: 'DurationMs', sql: 'duration_ms', type: 'real', description: 'to the close of the response' },
  { name: 'CorrelationId', sql: 'apim_request_id', type: 'string', description: 'the `apim-request-id` GUID' },
  { name: 'RequestId', sql: 'request_id', type: 'string', description: 'the `request-id`' },
  { name: 'ClientRequestId', sql: 'client_request_id', type: 'string', description: 'the `x-ms-client-request-id`' },
  { name: 'CallerIPAddress', sql: 'client_ip', type: 'string', description: "the socket's peer address" },
  { name: 'UserAgent', sql: 'user_agent', type: 'string', description: 'the `User-Agent`' },
  { name: 'ObjectId', sql: 'principal', type: 'string', description: '`key1`/`key2`, or the Entra principal\'s object ID' },
  { name: 'AppId', sql: 'app_id', type: 'string', description: "an Entra token's application (client) ID" },
  { name: 'ModelDeploymentName', sql: 'deployment', type: 'string', description: 'the deployment' },
  { name: 'ModelName', sql: 'model', type: 'string', description: 'the catalog model it serves' },
  { name: 'Backend', sql: 'backend', type: 'string', description: '`simulator`, `anthropic`, `foundry`, `replay`, `pool`' },
  { name: 'Upstream', sql: 'upstream', type: 'string', description: "a pool deployment's member that served the request (empty otherwise)" },
  { name: 'Attempts', sql: 'attempts', type: 'string', description: 'a pool deployment\'s members tried, with their statuses in order, e.g. `east 529, west 200`' },
  { name: 'StreamType', sql: "CASE stream WHEN 1 THEN 'Streaming' ELSE 'Non-streaming' END", type: 'string', description: '`Streaming` or `Non-streaming`' },
  { name: 'ErrorCode', sql: 'error_code', type: 'string', description: "the error catalogue's code, `client_closed`, `http_{status}`" },
  { name: 'TimeToFirstByteMs', sql: 'ttfb_ms', type: 'real', description: 'to the first byte of the body' },
  { name: 'TimeToFirstTokenMs', sql: 'ttft_ms', type: 'real', description: "to a stream's first content delta" },
  { name: 'OverheadMs', sql: 'overhead_ms', type: 'real', description: "the gateway's own time" },
  { name: 'InputTokens', sql: 'input_tokens', type: 'long', description: 'uncached input tokens' },
  { name: 'OutputTokens', sql: 'output_tokens', type: 'long', description: 'output tokens' },
  { name: 'CacheCreation5mTokens', sql: 'cache_write_5m_tokens', type: 'long', description: '5-minute cache writes' },
  { name: 'CacheCreation1hTokens', sql: 'cache_write_1h_tokens', type: 'long', description: '1-hour cache writes' },
  { name: 'CacheReadTokens', sql: 'cache_read_tokens', type: 'long', description: 'cache reads' },
  { name: 'TotalTokens', sql: 'input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens + output_tokens', type: 'long', description: 'all input (cached too) and output' },
  { name: 'CostUsd', sql: 'cost_pico / 1e12', type: 'real', description: 'list price, USD (a float here: exact sums are in the usage API)' },
];
