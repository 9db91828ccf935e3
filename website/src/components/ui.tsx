import DOMPurify from 'dompurify';
import { useEffect, useState, type ReactNode } from 'react';
import { markdownToHtml } from '../../../src/core/markdown';
import type { ApiError } from '../api';

export { Status } from './Status';

/**
 * Untrusted Markdown (agent output, approval messages): rendered by the same renderer as the
 * emails (raw HTML shown as text, only http(s)/mailto links), then sanitised by DOMPurify.
 */
export function Markdown({ text, label }: { text: string; label?: string }) {
  const html = DOMPurify.sanitize(markdownToHtml(text));
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify on the line above
  return <figure className="markdown" aria-label={label} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** An API error where the data would be, with the API's code. */
export function ErrorNote({ error }: { error: ApiError | Error | undefined | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error.message}
      {'code' in error ? <span className="muted"> ({String(error.code)})</span> : null}
    </p>
  );
}

/** A page's heading row: the title and actions on the right. */
export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </header>
  );
}

/** A labelled block of values (JSON or text) in a `<pre>`. */
export function Pre({ label, children, className }: { label: string; children: string; className?: string }) {
  return (
    <figure className="pre" aria-label={label}>
      <figcaption>{label}</figcaption>
      <pre className={className}>{children}</pre>
    </figure>
  );
}

/** Shown while a page's first read is on its way. */
export function Loading() {
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  );
}

/** A link that downloads `text` as a file (an object URL, revoked when the text changes). */
export function DownloadLink({
  text,
  type,
  fileName,
  children,
}: {
  text: string;
  type: string;
  fileName: string;
  children: ReactNode;
}) {
  const [href, setHref] = useState<string>();
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [text, type]);
  return (
    <a href={href} download={fileName} className="button">
      {children}
    </a>
  );
}
