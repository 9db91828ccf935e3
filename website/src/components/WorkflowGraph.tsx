import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import { formatDuration } from '../format';
import { layeredPositions, NODE_WIDTH } from '../graph-layout';
import type { Plan } from '../types';

const KIND_LABEL: Record<string, string> = {
  parallel: '∥ parallel',
  switch: '⎇ switch',
  foreach: '↻ foreach',
  approval: '✋ approval',
  agent: 'agent',
  http: 'http',
  mcp: 'mcp',
  sleep: '⏲ sleep',
  wait_for_event: '⏳ event',
  workflow: '↳ workflow',
};

/** The label of the edge from a block to the first steps of one of its lists (a switch case, a loop body). */
function listLabel(list: string): string | undefined {
  const found = /:case:(.+)$/.exec(list);
  if (found) return found[1];
  if (list.endsWith(':default')) return 'default';
  if (list.endsWith(':do')) return 'each item';
  return undefined;
}

/**
 * Lays a plan out top to bottom with dagre: dependency edges solid, a block's edges to the first
 * steps of its lists dashed (labelled by case, or "each item" for a loop); the critical path bold.
 */
export function layoutPlan(plan: Plan): { nodes: Node[]; edges: Edge[] } {
  const critical = new Set(plan.criticalPath.steps);
  const edges: Edge[] = plan.edges.map((e) => ({
    id: `${e.from}->${e.to}`,
    source: e.from,
    target: e.to,
    markerEnd: { type: MarkerType.ArrowClosed },
    className: critical.has(e.from) && critical.has(e.to) ? 'critical' : undefined,
  }));
  for (const node of plan.nodes) {
    if (node.parent && node.needs.length === 0) {
      edges.push({
        id: `${node.parent}=>${node.id}`,
        source: node.parent,
        target: node.id,
        label: listLabel(node.list),
        style: { strokeDasharray: '5 4' },
        markerEnd: { type: MarkerType.ArrowClosed },
      });
    }
  }
  const positions = layeredPositions(
    plan.nodes.map((n) => n.id),
    edges,
  );
  const nodes: Node[] = plan.nodes.map((n) => {
    return {
      id: n.id,
      position: positions.get(n.id)!,
      data: {
        label: (
          <>
            <strong>{n.id}</strong>
            <br />
            <small>
              {KIND_LABEL[n.kind] ?? n.kind} · ~{formatDuration(n.estimateMs)}
            </small>
          </>
        ),
      },
      className: `flow-node kind-${n.kind}${critical.has(n.id) ? ' critical' : ''}`,
      ariaLabel: `${n.kind} step ${n.id}`,
      ariaRole: 'group',
      style: { width: NODE_WIDTH },
    };
  });
  return { nodes, edges };
}

/** A workflow's steps as a read-only graph (@xyflow/react). */
export function WorkflowGraph({ plan }: { plan: Plan }) {
  const { nodes, edges } = useMemo(() => layoutPlan(plan), [plan]);
  return (
    <figure className="graph" aria-label="Workflow graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ maxZoom: 1.2 }}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      <figcaption className="muted">
        Critical path (bold): {plan.criticalPath.steps.join(' → ')} · ~{formatDuration(plan.criticalPath.estimateMs)}
      </figcaption>
    </figure>
  );
}
