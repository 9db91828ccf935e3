import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { Link, useSearch } from 'wouter';
import { api, type ApiError } from '../api';
import { definitionOf, freshId, modelOf, yamlOf, type BuilderModel } from '../builder-model';
import { ErrorNote, PageHeader, Pre } from '../components/ui';
import { layeredPositions, NODE_HEIGHT, NODE_WIDTH } from '../graph-layout';
import { useApi } from '../hooks';
import type { Agent, WorkflowVersion } from '../types';
import { parseSource } from '../yaml-lines';

const DRAG_TYPE = 'application/x-baton-agent';
/** Input of a step that is connected to nothing yet: the run's inputs. */
const FIRST_INPUT = '{{ inputs }}';
type StepData = { label: string; body: Record<string, unknown> };
type StepNode = Node<StepData>;

const edgeOf = (source: string, target: string): Edge => ({
  id: `${source}->${target}`,
  source,
  target,
  markerEnd: { type: MarkerType.ArrowClosed },
});

function nodeOf(id: string, body: Record<string, unknown>, position: { x: number; y: number }): StepNode {
  const kind =
    typeof body.agent === 'string'
      ? `agent ${body.agent}`
      : (Object.keys(body).find((k) =>
          ['parallel', 'switch', 'foreach', 'approval', 'http', 'mcp', 'sleep', 'wait_for_event', 'workflow'].includes(
            k,
          ),
        ) ?? 'step');
  return {
    id,
    position,
    data: { label: `${id} · ${kind}`, body },
    ariaLabel: `Step ${id}, ${kind}`,
    ariaRole: 'group',
    className: 'flow-node',
    style: { width: NODE_WIDTH },
  };
}

/** Builder: agents dragged from the registry onto a canvas, connected, given inputs, saved as a new version. */
export function BuilderPage() {
  return (
    <ReactFlowProvider>
      <Builder />
    </ReactFlowProvider>
  );
}

function Builder() {
  const workflowName = new URLSearchParams(useSearch()).get('workflow');
  const agents = useApi<{ agents: Agent[] }>('/agents');
  const existing = useApi<WorkflowVersion>(workflowName ? `/workflows/${encodeURIComponent(workflowName)}` : null);
  const [header, setHeader] = useState<Record<string, unknown>>({ name: '', description: '' });
  const [nodes, setNodes] = useState<StepNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ name: string; version: number } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const flow = useReactFlow();

  useEffect(() => {
    if (!existing.data) return;
    const model = modelOf(parseSource(existing.data.source).value as Record<string, unknown>);
    const positions = layeredPositions(
      model.steps.map((s) => s.id),
      model.edges,
    );
    setHeader(model.header);
    setNodes(model.steps.map((s) => nodeOf(s.id, s.body, positions.get(s.id)!)));
    setEdges(model.edges.map((e) => edgeOf(e.source, e.target)));
  }, [existing.data]);

  const model: BuilderModel = useMemo(
    () => ({
      header: Object.fromEntries(Object.entries(header).filter(([key, value]) => key !== 'description' || value)),
      steps: nodes.map((n) => ({ id: n.id, body: n.data.body })),
      edges: edges.map((e) => ({ source: e.source, target: e.target })),
    }),
    [header, nodes, edges],
  );
  const preview = useMemo(() => {
    try {
      return { yaml: yamlOf(model) };
    } catch (err) {
      return { problem: (err as Error).message };
    }
  }, [model]);

  const addAgent = (agent: string, position?: { x: number; y: number }) => {
    const id = freshId(
      agent,
      nodes.map((n) => n.id),
    );
    const last = nodes.at(-1);
    const at = position ?? { x: last ? last.position.x : 0, y: last ? last.position.y + 90 : 0 };
    setNodes((ns) => [
      ...ns,
      nodeOf(id, { agent, input: last && !position ? `{{ ${last.id}.output }}` : FIRST_INPUT }, at),
    ]);
    if (last && !position) setEdges((es) => [...es, edgeOf(last.id, id)]);
    setSelectedId(id);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const agent = e.dataTransfer.getData(DRAG_TYPE);
    const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    if (agent) addAgent(agent, { x: at.x - NODE_WIDTH / 2, y: at.y - NODE_HEIGHT / 2 });
  };
  const selected = nodes.find((n) => n.id === selectedId);
  const updateSelected = (id: string, body: Record<string, unknown>) => {
    setNodes((ns) => ns.map((n) => (n.id === selectedId ? nodeOf(id, body, n.position) : n)));
    if (id !== selectedId) {
      setEdges((es) =>
        es.map((e) => edgeOf(e.source === selectedId ? id : e.source, e.target === selectedId ? id : e.target)),
      );
      setSelectedId(id);
    }
  };
  const save = async () => {
    setError(null);
    setSaved(null);
    try {
      const name = String(header.name ?? '');
      if (!name) throw new Error('Give the workflow a name first.');
      if (!nodes.length) throw new Error('Add at least one step.');
      definitionOf(model); // throws on a cycle
      const res = await api<{ name: string; version: number }>(`/workflows/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: yamlOf(model),
        headers: { 'content-type': 'application/yaml' },
      });
      setSaved(res);
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
      <PageHeader title={workflowName ? `Builder: ${workflowName}` : 'Builder'}>
        <button type="button" className="primary" onClick={save}>
          Save as new version
        </button>
      </PageHeader>
      {saved && (
        <p role="status">
          Saved{' '}
          <Link href={`/workflows/${encodeURIComponent(saved.name)}`}>
            {saved.name} v{saved.version}
          </Link>
          .
        </p>
      )}
      <ErrorNote error={error ?? agents.error ?? existing.error} />
      <div className="builder">
        <aside aria-label="Agents palette" className="palette">
          <h2>Agents</h2>
          <p className="muted">Drag onto the canvas, or press Add.</p>
          <ul>
            {agents.data?.agents.map((a) => (
              <li
                key={a.name}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, a.name);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                title={a.description}
              >
                <span>{a.name}</span>{' '}
                <button type="button" onClick={() => addAgent(a.name)} aria-label={`Add agent ${a.name}`}>
                  Add
                </button>
              </li>
            ))}
          </ul>
        </aside>
        <section
          className="canvas"
          aria-label="Workflow canvas"
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
          }}
          onDrop={onDrop}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            fitView
            fitViewOptions={{ maxZoom: 1 }}
            proOptions={{ hideAttribution: true }}
            onNodesChange={(changes) => setNodes((ns) => applyNodeChanges(changes, ns))}
            onEdgesChange={(changes) => setEdges((es) => applyEdgeChanges(changes, es))}
            onConnect={(c) => {
              setEdges((es) => addEdge({ ...c, markerEnd: { type: MarkerType.ArrowClosed } }, es));
              // a step that still reads the run's inputs reads what it was connected to instead
              setNodes((ns) =>
                ns.map((n) =>
                  n.id === c.target && n.data.body.input === FIRST_INPUT
                    ? nodeOf(n.id, { ...n.data.body, input: `{{ ${c.source}.output }}` }, n.position)
                    : n,
                ),
              );
            }}
            onNodeClick={(_, node) => setSelectedId(node.id)}
          >
            <Background />
            <Controls />
          </ReactFlow>
        </section>
        <aside aria-label="Properties" className="properties">
          <h2>Workflow</h2>
          <label htmlFor="wf-name">Name</label>
          <input
            id="wf-name"
            value={String(header.name ?? '')}
            onChange={(e) => setHeader({ ...header, name: e.target.value })}
            disabled={!!workflowName}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
          />
          <label htmlFor="wf-description">Description</label>
          <input
            id="wf-description"
            value={String(header.description ?? '')}
            onChange={(e) => setHeader({ ...header, description: e.target.value })}
          />
          {selected ? (
            <StepForm
              key={selected.id}
              node={selected}
              others={nodes.filter((n) => n.id !== selected.id).map((n) => n.id)}
              after={edges.filter((e) => e.target === selected.id).map((e) => e.source)}
              onAfter={(source, on) =>
                setEdges((es) =>
                  on
                    ? [...es, edgeOf(source, selected.id)]
                    : es.filter((e) => !(e.source === source && e.target === selected.id)),
                )
              }
              onChange={updateSelected}
              onDelete={() => {
                setNodes((ns) => ns.filter((n) => n.id !== selected.id));
                setEdges((es) => es.filter((e) => e.source !== selected.id && e.target !== selected.id));
                setSelectedId(null);
              }}
            />
          ) : (
            <p className="muted">Select a step to set its input.</p>
          )}
          <h2>YAML</h2>
          {preview.yaml !== undefined ? (
            <Pre label="Generated YAML" className="yaml-preview">
              {preview.yaml}
            </Pre>
          ) : (
            <p role="alert" className="error">
              {preview.problem}
            </p>
          )}
        </aside>
      </div>
    </>
  );
}

interface StepFormProps {
  node: StepNode;
  /** The other steps' ids, and those this one runs after (its incoming edges). */
  others: string[];
  after: string[];
  onAfter: (source: string, on: boolean) => void;
  onChange: (id: string, body: Record<string, unknown>) => void;
  onDelete: () => void;
}

function StepForm({ node, others, after, onAfter, onChange, onDelete }: StepFormProps) {
  const [id, setId] = useState(node.id);
  const body = node.data.body;
  const editable = typeof body.agent === 'string';
  return (
    <fieldset>
      <legend>Step</legend>
      <label htmlFor="step-id">Step id</label>
      <input
        id="step-id"
        value={id}
        pattern="[A-Za-z_][A-Za-z0-9_]*"
        onChange={(e) => setId(e.target.value)}
        onBlur={() => /^[A-Za-z_][A-Za-z0-9_]*$/.test(id) && onChange(id, body)}
      />
      {editable ? (
        <>
          <label htmlFor="step-input">Input</label>
          <textarea
            id="step-input"
            rows={4}
            value={typeof body.input === 'string' ? body.input : JSON.stringify(body.input ?? '')}
            onChange={(e) => onChange(node.id, { ...body, input: e.target.value })}
            spellCheck={false}
          />
          <p className="muted">
            Agent <strong>{String(body.agent)}</strong>. Templates: <code>{'{{ inputs.topic }}'}</code>,{' '}
            <code>{'{{ <step>.output }}'}</code>.
          </p>
        </>
      ) : (
        <p className="muted">
          A block step: edit it in the workflow's YAML editor; here it can be connected and moved.
        </p>
      )}
      {others.length > 0 && (
        <fieldset className="runs-after">
          <legend>Runs after</legend>
          {others.map((other) => (
            <label key={other}>
              <input
                type="checkbox"
                checked={after.includes(other)}
                onChange={(e) => onAfter(other, e.target.checked)}
              />{' '}
              {other}
            </label>
          ))}
        </fieldset>
      )}
      <button type="button" onClick={onDelete}>
        Remove step
      </button>
    </fieldset>
  );
}
