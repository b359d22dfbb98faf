// claude-foundry as a benchmark target: the real gateway (startGateway, as `claude-foundry serve` runs it)
// from a config file the harness writes, in its own process.
//
//   node bench/claude-foundry.ts --config <file>
//
// Prints `READY {"port":N,"config":{…}}` once listening, where config summarises what the loaded config
// turned on (backends, limits, and any other top-level settings), so the results record what was really
// on rather than what was asked for. SIGTERM closes the gateway and exits (so --cpu-prof is written).
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { startGateway } from '../packages/gateway/src/index.ts';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
if (!values.config) throw new Error('claude-foundry target: --config <file> is required');

// Only the standard OTEL_* variables reach the gateway: the OTLP exporter is measured on and off (docs/benchmarks.md).
const otel = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_')));
const gateway = await startGateway({ configFile: values.config, overrides: { port: 0 }, env: otel });

const config = gateway.config as unknown as Record<string, unknown>;
const deployments = gateway.config.resources.flatMap((r) => r.deployments) as unknown as Record<string, unknown>[];
const summary = {
  settings: Object.keys(config).filter((k) => !['host', 'port', 'dataDir', 'domains', 'maxBodyBytes', 'resources'].includes(k)),
  backends: [...new Set(deployments.map((d) => String(d['backend'])))],
  rateLimits: deployments.map((d) => d['rateLimits']).filter((l) => l !== undefined),
};
process.stdout.write(`READY ${JSON.stringify({ port: gateway.port, config: summary })}\n`);

// SIGUSR2: one line `MEM {…}` with this process's memory as V8 sees it, so RSS can be explained.
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const heap = getHeapStatistics();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, mb(sp.space_size)]));
  process.stdout.write(
    `MEM ${JSON.stringify({ rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), heapLimit: mb(heap.heap_size_limit), spaces })}\n`,
  );
});

process.on('SIGTERM', () => {
  const timer = setTimeout(() => process.exit(0), 3_000);
  void gateway.close().finally(() => {
    clearTimeout(timer);
    process.exit(0);
  });
});
