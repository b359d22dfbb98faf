// A yes/no confirmation in place of the button that asked, for changes that can be made again.
export function Confirm({ question, yes, onYes, onNo }: { question: string; yes: string; onYes: () => void; onNo: () => void }) {
  return (
    <span role="group" aria-label={question} class="confirm">
      {question}{' '}
      <button type="button" class="danger" onClick={onYes}>{yes}</button>
      <button type="button" onClick={onNo}>Cancel</button>
    </span>
  );
}
