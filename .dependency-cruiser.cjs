/**
 * Import rules of ../shared/DESIGN.md ("Folder layout and import direction"), checked by
 * `npm run lint` (dependency-cruiser, https://github.com/sverweij/dependency-cruiser).
 * Imports point toward src/core, src/schemas and src/lib, never back; only the Worker entry and the
 * Cloudflare adapter (src/adapter/cloudflare) import `cloudflare:*`.
 */
const OUTER = '^src/(agents|app|adapter|demo|http|index\\.ts|ports\\.ts)';

/**
 * What each part of src/ may import besides itself and packages: the layers, inner first. The
 * table must stay acyclic (checked below), so no two folders import each other. `src/adapter/cloudflare`
 * holds everything that knows bindings: the Worker entry, the RunObject, D1 repositories, triggers' wiring.
 */
const LAYERS = {
  schemas: [],
  lib: ['schemas'],
  core: ['schemas', 'lib'],
  'ports.ts': ['core', 'schemas'],
  agents: ['core', 'schemas', 'lib'],
  app: ['core', 'schemas', 'lib', 'ports.ts'],
  adapter: ['core', 'schemas', 'lib', 'ports.ts', 'agents', 'app'],
  demo: ['core', 'schemas', 'lib', 'ports.ts', 'adapter'],
  http: ['core', 'schemas', 'lib', 'ports.ts', 'agents', 'app', 'adapter', 'demo'],
  'index.ts': ['adapter', 'http'],
};

/** Throws when LAYERS has a cycle (a folder that reaches itself). */
function assertAcyclic(layers) {
  const state = {};
  const visit = (name, path) => {
    if (state[name] === 'done') return;
    if (state[name] === 'open') throw new Error(`.dependency-cruiser.cjs: LAYERS has a cycle: ${[...path, name].join(' -> ')}`);
    if (!(name in layers)) throw new Error(`.dependency-cruiser.cjs: LAYERS names ${name} but does not list it`);
    state[name] = 'open';
    for (const next of layers[name]) visit(next, [...path, name]);
    state[name] = 'done';
  };
  for (const name of Object.keys(layers)) visit(name, []);
}
assertAcyclic(LAYERS);

const part = (name) => (name.endsWith('.ts') ? `${name.replace('.', '\\.')}$` : `${name}/`);
const layerRules = Object.entries(LAYERS).map(([name, allowed]) => ({
  name: `layer-${name.replace('.ts', '')}`,
  comment: `src/${name} imports only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'itself'} (and packages): imports point inward, never back.`,
  severity: 'error',
  from: { path: `^src/${part(name)}` },
  to: { path: '^src/', pathNot: `^src/(${[name, ...allowed].map(part).join('|')})` },
}));

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core knows nothing of Cloudflare, the database, HTTP or the runtime: it imports only src/core, src/schemas, src/lib and packages.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: [OUTER, '^website/'] },
    },
    {
      name: 'schemas-are-leaves',
      comment: 'src/schemas holds zod schemas and enums: it imports only itself and zod.',
      severity: 'error',
      from: { path: '^src/schemas/' },
      to: { path: '^(src/(?!schemas/)|website/)' },
    },
    {
      name: 'lib-is-portable',
      comment: 'src/lib holds small portable helpers (crypto, encodings): it imports only itself and src/schemas.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^(src/(?!lib/|schemas/)|website/)' },
    },
    {
      name: 'app-sees-ports-not-adapters',
      comment: 'Use cases take narrow host interfaces (src/ports.ts), never the Cloudflare adapter.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/adapter/' },
    },
    {
      name: 'app-sees-only-ports-and-pure-code',
      comment: 'src/app imports only src/core, src/schemas, src/lib, src/ports.ts and itself: no env, no D1, no RunObject.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^(src/(?!(core|schemas|lib|app)/|ports\\.ts$)|website/)' },
    },
    {
      name: 'ports-are-interfaces',
      comment: 'src/ports.ts declares the host interfaces in terms of src/core and src/schemas only.',
      severity: 'error',
      from: { path: '^src/ports\\.ts$' },
      to: { path: '^(src/(?!(core|schemas)/)|website/)' },
    },
    ...layerRules,
    {
      name: 'platform-only-in-the-adapter',
      comment: 'Only the Worker entry and the Cloudflare adapter import cloudflare:* modules.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(index\\.ts|adapter/cloudflare/)' },
      to: { path: '^cloudflare:' },
    },
    {
      name: 'dashboard-reuses-only-pure-code',
      comment: 'The dashboard may reuse src/core, src/schemas and src/lib, nothing that runs on the Worker.',
      severity: 'error',
      from: { path: '^website/src/' },
      to: { path: '^src/(?!core/|schemas/|lib/)' },
    },
    {
      name: 'no-tests-in-src',
      comment: 'Production code never imports tests or their support code.',
      severity: 'error',
      from: { path: '^(src|website/src)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.wrangler)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
