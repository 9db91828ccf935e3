/**
 * Import rules of ../shared/DESIGN.md ("Folder layout and import direction"), checked by
 * `npm run lint` (dependency-cruiser, https://github.com/sverweij/dependency-cruiser).
 * Imports point toward src/core, src/schemas and src/lib, never back; only the Worker entry and the
 * Cloudflare adapter (today src/runtime, the RunObject, queue consumer and mailer) import `cloudflare:*`.
 */
const OUTER = '^src/(agents|app|adapter|db|demo|http|runtime|triggers|env\\.ts|index\\.ts)';

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
      name: 'platform-only-in-the-adapter',
      comment: 'Only the Worker entry and the Cloudflare adapter import cloudflare:* modules.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(index\\.ts|adapter/cloudflare/|runtime/)' },
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
