// Its own module so components that need only a badge do not pull in the API client.

/** A run, step or message status as a coloured badge; the text is the status itself. */
export function Status({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value.replace(/_/g, ' ')}</span>;
}
