import { diffLines } from 'diff';
import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, type ApiError } from '../api';
import { WorkflowGraph } from '../components/WorkflowGraph';
import { validateSource, YamlEditor } from '../components/YamlEditor';
import { DownloadLink, ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { useApi } from '../hooks';
import type { Plan, WorkflowVersion } from '../types';
import { parseSource, splitPath, type LineIssue } from '../yaml-lines';

/** A workflow: its graph, its definition in an editor, versions with diff and rollback, run now, export. */
export function WorkflowDetailPage({ name }: { name: string }) {
  const [version, setVersion] = useState<number | null>(null);
  const path = `/workflows/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`;
  const wf = useApi<WorkflowVersion>(path);
  const plan = useApi<Plan>(`/workflows/${encodeURIComponent(name)}/plan${version ? `?version=${version}` : ''}`);
  if (!wf.data) return wf.error ? <ErrorNote error={wf.error} /> : <Loading />;
  const data = wf.data;
  return (
    <>
      <PageHeader
        title={
          <>
            {data.name}{' '}
            <span className="muted">
              v{data.version}
              {data.version !== data.latestVersion ? ` (latest v${data.latestVersion})` : ''}
              {data.archivedAt
                ? ` · archived ${formatTime(data.archivedAt)}: starts no runs until registered again`
                : ''}
            </span>
          </>
        }
      >
        <Link href={`/builder?workflow=${encodeURIComponent(name)}`}>Open in builder</Link>
        <DownloadLink
          text={data.source}
          type={`application/${data.sourceFormat}`}
          fileName={`${data.name}.v${data.version}.${data.sourceFormat}`}
        >
          Export
        </DownloadLink>
      </PageHeader>
      {data.description && <p>{data.description}</p>}
      {plan.data ? <WorkflowGraph plan={plan.data} /> : <ErrorNote error={plan.error} />}
      <RunNow name={name} version={data.version} />
      <Editor
        key={`${data.name}@${data.version}`}
        workflow={data}
        onSaved={(v) => {
          setVersion(null);
          wf.reload();
          plan.reload();
          void v;
        }}
      />
      <Versions
        key={data.latestVersion}
        workflow={data}
        onShow={setVersion}
        onRolledBack={() => {
          setVersion(null);
          wf.reload();
          plan.reload();
        }}
      />
    </>
  );
}

function RunNow({ name, version }: { name: string; version: number }) {
  const [input, setInput] = useState('{}');
  const [error, setError] = useState<Error | null>(null);
  const [, navigate] = useLocation();
  const start = async () => {
    setError(null);
    try {
      const parsed = JSON.parse(input) as unknown;
      const { runId } = await api<{ runId: string }>(`/workflows/${encodeURIComponent(name)}/runs`, {
        method: 'POST',
        json: { input: parsed, version },
      });
      navigate(`/runs/${encodeURIComponent(runId)}`);
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`Input is not JSON: ${err.message}`) : (err as Error));
    }
  };
  return (
    <section aria-label="Run now" className="run-now">
      <h2>Run now</h2>
      <label htmlFor="run-input">Input (JSON)</label>
      <textarea id="run-input" rows={3} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
      <button type="button" className="primary" onClick={start}>
        Run v{version}
      </button>
      <ErrorNote error={error} />
    </section>
  );
}

function Editor({ workflow, onSaved }: { workflow: WorkflowVersion; onSaved: (version: number) => void }) {
  const schema = useApi<object>('/schema/workflow.json');
  const [text, setText] = useState(workflow.source);
  const [serverIssues, setServerIssues] = useState<LineIssue[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [issues, setIssues] = useState<LineIssue[]>([]);
  useEffect(() => {
    const timer = setTimeout(() => setIssues(validateSource(text, schema.data)), 150);
    return () => clearTimeout(timer);
  }, [text, schema.data]);
  const save = async () => {
    setError(null);
    setSaved(null);
    setServerIssues([]);
    try {
      const format = text.trimStart().startsWith('{') ? 'json' : 'yaml';
      const res = await api<{ version: number }>(`/workflows/${encodeURIComponent(workflow.name)}`, {
        method: 'PUT',
        body: text,
        headers: { 'content-type': `application/${format}` },
      });
      setSaved(
        res.version === workflow.latestVersion
          ? `Unchanged: v${res.version} is the same definition.`
          : `Saved as v${res.version}.`,
      );
      onSaved(res.version);
    } catch (err) {
      const apiError = err as ApiError;
      const parsed = parseSource(text);
      setServerIssues(
        (apiError.details?.issues ?? []).map((i) => ({
          line: parsed.lineOf(splitPath(i.path)),
          path: i.path,
          message: i.message,
        })),
      );
      setError(apiError);
    }
  };
  return (
    <section aria-label="Definition" className="definition">
      <h2>Definition</h2>
      <YamlEditor value={text} onChange={setText} issues={[...issues, ...serverIssues]} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={save}
          disabled={issues.length > 0 || text === workflow.source}
        >
          Save as new version
        </button>
        <button type="button" onClick={() => setText(workflow.source)} disabled={text === workflow.source}>
          Discard changes
        </button>
        {saved && <span role="status">{saved}</span>}
      </div>
      <ErrorNote error={error} />
    </section>
  );
}

function Versions({
  workflow,
  onShow,
  onRolledBack,
}: {
  workflow: WorkflowVersion;
  onShow: (v: number) => void;
  onRolledBack: () => void;
}) {
  const versions = workflow.versions;
  const [from, setFrom] = useState(versions[1]?.version ?? workflow.version);
  const [to, setTo] = useState(versions[0]?.version ?? workflow.version);
  const left = useApi<WorkflowVersion>(`/workflows/${encodeURIComponent(workflow.name)}?version=${from}`);
  const right = useApi<WorkflowVersion>(`/workflows/${encodeURIComponent(workflow.name)}?version=${to}`);
  const [error, setError] = useState<ApiError | null>(null);
  const parts = useMemo(
    () => (left.data && right.data ? diffLines(left.data.source, right.data.source) : []),
    [left.data, right.data],
  );
  const rollBack = async (version: number) => {
    if (!confirm(`Make v${version}'s definition the latest version?`)) return;
    setError(null);
    try {
      const old = await api<WorkflowVersion>(`/workflows/${encodeURIComponent(workflow.name)}?version=${version}`);
      await api(`/workflows/${encodeURIComponent(workflow.name)}`, {
        method: 'PUT',
        body: old.source,
        headers: { 'content-type': `application/${old.sourceFormat}` },
      });
      onRolledBack();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const pick = (label: string, value: number, set: (v: number) => void) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-label="Versions">
      <h2>Versions</h2>
      <table aria-label="Versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Created</th>
            <th>Hash</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>
                <button type="button" className="link" onClick={() => onShow(v.version)}>
                  v{v.version}
                </button>
                {v.version === workflow.latestVersion ? ' (latest)' : ''}
              </td>
              <td>{formatTime(v.createdAt)}</td>
              <td className="mono">{v.hash.slice(0, 10)}</td>
              <td>
                {v.version !== workflow.latestVersion && (
                  <button type="button" onClick={() => rollBack(v.version)}>
                    Roll back to v{v.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote error={error} />
      {versions.length > 1 && (
        <>
          <fieldset className="filters" aria-label="Compare versions">
            {pick('Compare', from, setFrom)}
            {pick('with', to, setTo)}
          </fieldset>
          <figure className="pre" aria-label={`Changes from v${from} to v${to}`}>
            <figcaption>{`Changes from v${from} to v${to}`}</figcaption>
            <pre className="diff">
              {parts.map((p, i) => (
                <span key={i} className={p.added ? 'added' : p.removed ? 'removed' : undefined}>
                  {p.value
                    .replace(/\n$/, '')
                    .split('\n')
                    .map((line) => `${p.added ? '+' : p.removed ? '-' : ' '} ${line}`)
                    .join('\n')}
                  {'\n'}
                </span>
              ))}
            </pre>
          </figure>
        </>
      )}
    </section>
  );
}
