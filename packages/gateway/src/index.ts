// The gateway's public surface: start a gateway, load its config, and the types callers need.
export { startGateway, type Gateway, type StartOptions } from './gateway.ts';
export { loadConfig, ConfigError, DEFAULT_PORT, DEFAULT_HTTPS_PORT, DEFAULT_HOST, DEFAULT_RESOURCE, defaultDeployments, DEFAULT_SUBSCRIPTION_ID, DEFAULT_RESOURCE_GROUP, type GatewayConfig } from './config/index.ts';
export { DEFAULT_TENANT_ID } from './identity/config.ts';
export { StoreOpenError } from './store/types.ts';
export type { RecordView, UsageView } from './telemetry/views.ts';
export { parseScenarios, ScenarioFileError } from './backends/scenarios/index.ts';
export { scenariosFromCassette, type Conversion } from './backends/scenarios/from-cassette.ts';
export { readCassette, CassetteError } from './backends/replay/cassette.ts';
export { recoverAdmin, type Recovered } from './identity/recover.ts';
export { superviseWorkers, reportReady, onStopRequest } from './process/cluster.ts';
export { handedPorts } from './process/dealer.ts';
export { logger } from './log/index.ts';
