// Resources and deployments as the data plane sees them: plain values in an in-memory snapshot.
// Where they come from (a config file now, the persisted control plane later) is the loader's business.

export interface SimulatorFaults {
  /** Probability (0..1) that a request answers 429 rate_limit_error with retry-after. */
  rate429: number;
  /** Probability that a request answers 500 api_error. */
  rate500: number;
  /** Probability that a request answers 529 overloaded_error. */
  rate529: number;
  /** Probability that a stream breaks off with `event: error` after its first content. */
  rateMidstream: number;
}

export interface SimulatorProfile {
  /** Time to first token, in milliseconds. */
  ttftMs: number;
  /** Output pace; 0 means as fast as possible. */
  tokensPerSecond: number;
  faults: SimulatorFaults;
}

export type DeploymentSku = 'GlobalStandard' | 'DataZoneStandard';

export interface Deployment {
  /** What callers put in `model`. */
  name: string;
  /** The catalog model this deployment serves, e.g. `claude-sonnet-4-5`. */
  model: string;
  backend: 'simulator';
  sku: DeploymentSku;
  capacity: number;
  simulator: SimulatorProfile;
}

export interface Resource {
  name: string;
  /** Key1 and Key2, as Azure names them. */
  keys: { key1: string; key2: string };
  /** When true, API keys are refused and only Entra tokens are accepted. */
  disableLocalAuth: boolean;
  deployments: ReadonlyMap<string, Deployment>;
}

export type KeyName = 'key1' | 'key2';
