// Deleting something that cannot come back asks for its name to be typed, as Azure's portal does for a resource.
import { useState } from 'preact/hooks';

export function TypedConfirm({ name, what, onConfirm, onCancel }: { name: string; what: string; onConfirm: () => void; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const id = `confirm-${name}`;
  return (
    <form
      class="confirm-box"
      aria-label={`Confirm deleting ${what} ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (typed === name) onConfirm();
      }}
    >
      <p>Deleting {what} <strong>{name}</strong> cannot be undone.</p>
      <label for={id}>Type <strong>{name}</strong> to confirm</label>
      <input id={id} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
      <button type="submit" class="danger" disabled={typed !== name}>Delete</button>
      <button type="button" onClick={onCancel}>Cancel</button>
    </form>
  );
}
