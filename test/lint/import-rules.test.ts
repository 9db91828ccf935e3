import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The import rules of `.dependency-cruiser.cjs` (DESIGN.md "Folder layout and import direction"), run
 * by the real dependency-cruiser on small probe trees: each forbidden import fails `npm run lint` with
 * the rule's name, and the allowed directions pass.
 */
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const roots: string[] = [];

function cruise(files: Record<string, string>): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'baton-lint-'));
  roots.push(root);
  cpSync(join(repo, '.dependency-cruiser.cjs'), join(root, '.dependency-cruiser.cjs'));
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'ES2022', moduleResolution: 'Bundler' } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const args = [cli, 'src', 'website/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
  try {
    return { ok: true, output: execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const adapter = {
  'src/adapter/cloudflare/run-object.ts':
    "import 'cloudflare:workers';\nimport { decide } from '../../core/engine';\nexport const x = decide;\n",
  'src/core/engine.ts': 'export const decide = 1;\n',
  'website/src/main.ts': 'export {};\n',
};

describe('npm run lint (dependency-cruiser)', () => {
  it('accepts imports that point toward core, and cloudflare:* inside the adapter', () => {
    const result = cruise({ ...adapter, 'src/index.ts': "export { x } from './adapter/cloudflare/run-object';\n" });
    expect(result.output).not.toMatch(/error/);
    expect(result.ok).toBe(true);
  });

  const probes = [
    [
      'core-is-pure',
      'src/core/probe.ts',
      "import { x } from '../adapter/cloudflare/run-object';\nexport const y = x;\n",
    ],
    [
      'app-sees-ports-not-adapters',
      'src/app/probe.ts',
      "import { x } from '../adapter/cloudflare/run-object';\nexport const y = x;\n",
    ],
    [
      'platform-only-in-the-adapter',
      'src/http/probe.ts',
      "import { env } from 'cloudflare:workers';\nexport const y = env;\n",
    ],
    ['lib-is-portable', 'src/lib/probe.ts', "import { decide } from '../core/engine';\nexport const y = decide;\n"],
    [
      'schemas-are-leaves',
      'src/schemas/probe.ts',
      "import { decide } from '../core/engine';\nexport const y = decide;\n",
    ],
    [
      'dashboard-reuses-only-pure-code',
      'website/src/probe.ts',
      "import { x } from '../../src/adapter/cloudflare/run-object';\nexport const y = x;\n",
    ],
  ] as const;
  // One tree with every forbidden import: the run fails, and each probe is reported under its rule.
  const bad = cruise({ ...adapter, ...Object.fromEntries(probes.map(([, path, text]) => [path, text])) });
  it.each(probes)('fails on %s (%s)', (rule, path) => {
    expect(bad.ok).toBe(false);
    const line = bad.output.split('\n').find((l) => l.includes(rule) && l.includes(path));
    expect(line, bad.output).toBeDefined();
  });
});
