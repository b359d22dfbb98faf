// An error, announced to screen readers as it appears: ARM's own message, which says what was wrong.
export function Alert({ message }: { message: string | undefined }) {
  return message ? <p role="alert" class="error">{message}</p> : null;
}
