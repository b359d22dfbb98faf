// The gateway's public surface: start a gateway, load its config, and the types callers need.
export { startGateway, type Gateway, type StartOptions } from './gateway.ts';
export { loadConfig, ConfigError, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_RESOURCE, DEFAULT_DEPLOYMENTS, type GatewayConfig } from './config/index.ts';
