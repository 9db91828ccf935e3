import { useState } from 'react';
import { useLocation } from 'wouter';
import { api, type ApiError } from '../api';
import { WorkflowGraph } from '../components/WorkflowGraph';
import { ErrorNote, Loading, PageHeader, Pre } from '../components/ui';
import { useApi } from '../hooks';
import type { WorkflowTemplate } from '../types';

/** The templates library: each template with its graph, its vars, and "Use template". */
export function TemplatesPage() {
  const list = useApi<WorkflowTemplate[]>('/templates');
  return (
    <>
      <PageHeader title="Templates" />
      <p className="muted">
        Common workflows that run with the builtin agents offline, and with models once your agents use one.
      </p>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.map((t) => (
        <TemplateCard key={t.id} template={t} />
      ))}
    </>
  );
}

function TemplateCard({ template }: { template: WorkflowTemplate }) {
  const [, navigate] = useLocation();
  const defaults = Object.fromEntries(Object.entries(template.vars).map(([k, v]) => [k, v.default]));
  const [name, setName] = useState(template.id);
  const [vars, setVars] = useState(JSON.stringify(defaults, null, 2));
  const [error, setError] = useState<ApiError | Error | null>(null);
  const create = async () => {
    setError(null);
    try {
      const made = await api<{ name: string }>(`/templates/${encodeURIComponent(template.id)}/use`, {
        method: 'POST',
        json: { name: name.trim(), vars: JSON.parse(vars) },
      });
      navigate(`/workflows/${encodeURIComponent(made.name)}`);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <section aria-label={template.title} className="template">
      <h2>
        {template.title} <span className="muted">{template.trigger}</span>
      </h2>
      <p>{template.description}</p>
      <WorkflowGraph plan={template.plan} />
      <details>
        <summary>Definition</summary>
        <Pre label={`Definition of ${template.id}`}>{template.source}</Pre>
      </details>
      <form
        className="rule-form"
        aria-label={`Use ${template.id}`}
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label>
          Workflow name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Vars (JSON)
          <textarea value={vars} onChange={(e) => setVars(e.target.value)} rows={4} className="mono" />
        </label>
        <ul className="muted">
          {Object.entries(template.vars).map(([k, v]) => (
            <li key={k}>
              <code>{k}</code>: {v.description}
            </li>
          ))}
        </ul>
        <button type="submit">Use template</button>
        <ErrorNote error={error} />
      </form>
    </section>
  );
}
