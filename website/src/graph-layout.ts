import dagre from '@dagrejs/dagre';

/** Node box size on the canvas, px. */
export const NODE_WIDTH = 170;
export const NODE_HEIGHT = 46;

/** Top-left positions of nodes laid out top to bottom along their edges (dagre's layered layout). */
export function layeredPositions(
  ids: string[],
  edges: { source: string; target: string }[],
): Map<string, { x: number; y: number }> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 48 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  return new Map(
    ids.map((id) => {
      const at = graph.node(id);
      return [id, { x: at.x - NODE_WIDTH / 2, y: at.y - NODE_HEIGHT / 2 }];
    }),
  );
}
