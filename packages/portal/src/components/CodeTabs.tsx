// Code for a call, one tab per language (curl, TypeScript, Python), after the two export lines the SDKs read.
// The key is never written into it: the export line says where to take one; code authenticating with Entra exports
// no key at all.
import { useState } from 'preact/hooks';
import { type CallAuth, exportLines } from '../../../cli/src/snippets.ts';

type Lang = 'curl' | 'typescript' | 'python';
const LABEL: Record<Lang, string> = { curl: 'curl', typescript: 'TypeScript', python: 'Python' };

export function CodeTabs({ baseURL, code, label, auth = 'key' }: { baseURL: string; code: Record<Lang, string>; label: string; auth?: CallAuth }) {
  const [tab, setTab] = useState<Lang>('curl');
  const prefix = label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <div class="code">
      <div role="tablist" aria-label={label} class="tabs">
        {(Object.keys(LABEL) as Lang[]).map((t) => (
          <button type="button" role="tab" id={`${prefix}-${t}`} aria-selected={tab === t} key={t} onClick={() => setTab(t)}>
            {LABEL[t]}
          </button>
        ))}
      </div>
      <pre role="tabpanel" tabIndex={0} aria-labelledby={`${prefix}-${tab}`} data-testid="code">
        <code>{`${exportLines({ baseURL, apiKey: auth === 'key' ? '<Key1 or Key2 from Keys and Endpoint>' : undefined })}\n${code[tab]}`}</code>
      </pre>
    </div>
  );
}
