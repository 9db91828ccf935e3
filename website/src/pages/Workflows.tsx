import { useState, type ChangeEvent } from 'react';
import { Link } from 'wouter';
import { api, type ApiError } from '../api';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { useApi } from '../hooks';
import type { WorkflowSummary } from '../types';
import { parseSource } from '../yaml-lines';

/** Registered workflows; import a definition file (a new workflow, or a new version of one). */
export function WorkflowsPage() {
  const list = useApi<{ workflows: WorkflowSummary[] }>('/workflows');
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setNote(null);
    try {
      const text = await file.text();
      const name = (parseSource(text).value as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') throw new Error(`${file.name} has no top-level "name"`);
      const format = text.trimStart().startsWith('{') ? 'json' : 'yaml';
      const res = await api<{ name: string; version: number }>(`/workflows/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: text,
        headers: { 'content-type': `application/${format}` },
      });
      setNote(`Imported ${res.name} v${res.version}.`);
      list.reload();
    } catch (err) {
      const issues = (err as ApiError).details?.issues;
      setError(
        issues?.length
          ? new Error(`${(err as Error).message}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`)
          : (err as Error),
      );
    }
  };
  return (
    <>
      <PageHeader title="Workflows">
        <label className="button">
          Import definition…
          <input type="file" accept=".yaml,.yml,.json" onChange={importFile} className="visually-hidden" />
        </label>
        <Link href="/builder" className="button">
          New in builder
        </Link>
      </PageHeader>
      {note && <p role="status">{note}</p>}
      <ErrorNote error={error ?? list.error} />
      {!list.data && !list.error && <Loading />}
      <table aria-label="Workflows">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th>Latest</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.workflows.map((w) => (
            <tr key={w.name}>
              <td>
                <Link href={`/workflows/${encodeURIComponent(w.name)}`}>{w.name}</Link>
              </td>
              <td>{w.description ?? ''}</td>
              <td>
                v{w.latestVersion}
                {w.archivedAt ? <span className="muted"> · archived</span> : null}
              </td>
              <td>{formatTime(w.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
