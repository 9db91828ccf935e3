import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The scripted agent server (test/node/agent-server.ts) is one process shared by the test files
 * that run at once: its `held` and `barrier` groups count every call made to them. A group used by
 * two files mixes their counts, and a test waiting for "1 call" waits forever (flow-concurrency and
 * agent-concurrency both used `prio`). Each group name must belong to one file.
 */
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Group names a file names: `held/<g>`, `barrier/<g>`, `held('<g>')`, `heldStep(id, '<g>'`, `agentWithSlots(name, '<g>'`. */
function groupsOf(text: string): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /\/(?:held|barrier)\/([A-Za-z0-9_-]+)/g,
    /\bheld\('([^'{]+)'\)/g,
    /\bheldStep\('[^']*', '([^'{]+)'/g,
    /\bagentWithSlots\('[^']*', '([^'{]+)'/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.add(m[1]!);
  return found;
}

describe('scripted agent groups', () => {
  it('each held or barrier group is named by one test file only', () => {
    const owners = new Map<string, string[]>();
    for (const file of testFiles(join(repo, 'test'))) {
      if (file.includes(`${join('test', 'node')}`)) continue;
      for (const group of groupsOf(readFileSync(file, 'utf8')))
        owners.set(group, [...(owners.get(group) ?? []), relative(repo, file)]);
    }
    expect(owners.size).toBeGreaterThan(5); // the scan finds the groups in use
    const shared = [...owners].filter(([, files]) => files.length > 1);
    expect(shared).toEqual([]);
  });
});
