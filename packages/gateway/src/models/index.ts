// The catalog's public face, for the CLI's `models` command without loading the gateway's server code.
export { getModel, listModels, type CatalogModel, type Lifecycle } from './catalog.ts';
export { lifecycleOf } from './lifecycle.ts';
