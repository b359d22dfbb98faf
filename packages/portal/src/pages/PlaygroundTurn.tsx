// One turn of the playground: the user's message, the reply as it streams (thinking, text, tool calls), and once
// done its request-id, tokens by type and cost.
import type { Turn } from '../playground.ts';

const n = (v: number) => v.toLocaleString('en-US');

export function TurnView({ turn }: { turn: Turn }) {
  const usage = turn.reply?.usage;
  return (
    <li class="turn">
      <p class="user"><span class="who">You</span> {turn.prompt}</p>
      <div class="assistant" aria-busy={!turn.done}>
        <span class="who">Claude</span>
        {turn.reply?.blocks.map((b, i) =>
          !b ? null
          : b.type === 'text' ? <p key={i} class="text" data-testid="reply-text">{b.text}</p>
          : b.type === 'thinking' ? <details key={i} class="thinking"><summary>Thinking</summary><p>{b.thinking}</p></details>
          : b.type === 'tool_use' ? <pre key={i} class="tool">{`${b.name}(${b.partial ?? JSON.stringify(b.input)})`}</pre>
          : null)}
        {turn.error && <p role="alert" class="error">{turn.error}</p>}
      </div>
      {(turn.requestId || usage) && (
        <dl class="meta">
          {turn.requestId && <><dt>request-id</dt><dd><code data-testid="request-id">{turn.requestId}</code></dd></>}
          {usage && turn.done && !turn.error && (
            <>
              <dt>Input</dt><dd data-testid="input-tokens">{n(usage.input_tokens)}</dd>
              <dt>Output</dt><dd data-testid="output-tokens">{n(usage.output_tokens)}</dd>
              <dt>Cache write</dt><dd>{n(usage.cache_creation_input_tokens)}</dd>
              <dt>Cache read</dt><dd>{n(usage.cache_read_input_tokens)}</dd>
              {turn.cost && <><dt>Cost</dt><dd data-testid="cost">${turn.cost}</dd></>}
            </>
          )}
        </dl>
      )}
      {turn.reply?.stopReason === 'tool_use' && turn.done && !turn.error && <p class="note">Claude asked for a tool: your next message is sent as its result.</p>}
    </li>
  );
}
