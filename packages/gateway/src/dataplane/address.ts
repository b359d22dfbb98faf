// Resource addressing: which resource a request is for, from its Host header or a path prefix.
// (The third way, the API key itself, is the authenticator's: a key belongs to exactly one resource.)

const AZURE_SUFFIXES = ['.services.ai.azure.com', '.cognitiveservices.azure.com', '.openai.azure.com'];

/** `{resource}.services.ai.azure.com`, the two other Azure forms, or `{resource}.{configured domain}`. */
export function resourceFromHost(host: string | undefined, domains: readonly string[]): string | undefined {
  if (!host) return undefined;
  let name = host.toLowerCase();
  if (name.startsWith('[')) return undefined; // an IPv6 literal names no resource
  const colon = name.lastIndexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  for (const suffix of AZURE_SUFFIXES) {
    if (name.endsWith(suffix)) return singleLabel(name.slice(0, -suffix.length));
  }
  for (const domain of domains) {
    if (name.endsWith(`.${domain}`)) return singleLabel(name.slice(0, -domain.length - 1));
  }
  return undefined;
}

function singleLabel(label: string): string | undefined {
  return label.length > 0 && !label.includes('.') ? label : undefined;
}

export interface DataPlanePath {
  /** Named in the path: `/{resource}/anthropic/...`, for local use without DNS. */
  resourceName: string | undefined;
  /** What follows `/anthropic/`, e.g. `v1/messages`. */
  api: string;
}

/** `/anthropic/{api}` or `/{resource}/anthropic/{api}`; anything else is not the data plane. */
export function parseDataPlanePath(pathname: string): DataPlanePath | undefined {
  if (pathname.startsWith('/anthropic/') || pathname === '/anthropic') {
    return { resourceName: undefined, api: pathname.slice('/anthropic/'.length) };
  }
  const slash = pathname.indexOf('/', 1);
  if (slash === -1) return undefined;
  const rest = pathname.slice(slash);
  if (!(rest.startsWith('/anthropic/') || rest === '/anthropic')) return undefined;
  return { resourceName: decodeURIComponentSafe(pathname.slice(1, slash)), api: rest.slice('/anthropic/'.length) };
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
