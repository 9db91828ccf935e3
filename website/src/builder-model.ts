import { stringify } from 'yaml';

/** A step on the builder's canvas: its id and the rest of its definition (agent + input, or a block kept as written). */
export interface BuilderStep {
  id: string;
  /** The step's keys other than `id` and `needs`, as written (e.g. `{ agent, input }`). */
  body: Record<string, unknown>;
}

/** What the builder edits: the steps and their dependency edges; everything else of the definition is kept. */
export interface BuilderModel {
  /** The definition's other top-level keys (name, description, triggers, inputs, output, …). */
  header: Record<string, unknown>;
  steps: BuilderStep[];
  edges: { source: string; target: string }[];
}

/**
 * A definition (as parsed from YAML or JSON) as a builder model: top-level steps become nodes;
 * `needs`, or the list order where a step has none, become edges. Blocks stay whole inside their node.
 */
export function modelOf(definition: Record<string, unknown>): BuilderModel {
  const { steps = [], ...header } = definition as { steps?: Record<string, unknown>[] };
  const edges: BuilderModel['edges'] = [];
  const list = steps.map((step, i) => {
    const { id, needs, ...body } = step as { id: string; needs?: string[] };
    const deps = needs ?? (i > 0 ? [String((steps[i - 1] as { id: string }).id)] : []);
    for (const dep of deps) edges.push({ source: dep, target: id });
    return { id, body };
  });
  return { header, steps: list, edges };
}

/**
 * The definition a model stands for. Steps are ordered so each comes after what it needs (Kahn's
 * algorithm, ties in canvas order); `needs` is written only where the list order does not already say it.
 * @throws {Error} when the edges form a cycle.
 */
export function definitionOf(model: BuilderModel): Record<string, unknown> {
  const depsOf = new Map(
    model.steps.map((s) => [s.id, model.edges.filter((e) => e.target === s.id).map((e) => e.source)]),
  );
  const ordered: BuilderStep[] = [];
  const placed = new Set<string>();
  while (ordered.length < model.steps.length) {
    const next = model.steps.find((s) => !placed.has(s.id) && depsOf.get(s.id)!.every((d) => placed.has(d)));
    if (!next)
      throw new Error(
        `the connections form a cycle through ${model.steps
          .filter((s) => !placed.has(s.id))
          .map((s) => s.id)
          .join(', ')}`,
      );
    ordered.push(next);
    placed.add(next.id);
  }
  const steps = ordered.map((step, i) => {
    const deps = depsOf.get(step.id)!;
    const implied = i > 0 ? [ordered[i - 1]!.id] : [];
    const sameAsOrder = deps.length === implied.length && deps.every((d, k) => d === implied[k]);
    return { id: step.id, ...(sameAsOrder ? {} : { needs: deps }), ...step.body };
  });
  return { ...model.header, steps };
}

/** The definition as YAML, the same format people write by hand. */
export function yamlOf(model: BuilderModel): string {
  return stringify(definitionOf(model), { lineWidth: 0 });
}

/** A step id not used yet, from an agent name: `web_research`, `web_research_2`, … (ids are letters, digits and `_`, not starting with a digit). */
export function freshId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const cleaned = base.replace(/[^A-Za-z0-9_]+/g, '_');
  const root = !cleaned ? 'step' : /^\d/.test(cleaned) ? `step_${cleaned}` : cleaned;
  if (!used.has(root)) return root;
  for (let n = 2; ; n++) if (!used.has(`${root}_${n}`)) return `${root}_${n}`;
}
