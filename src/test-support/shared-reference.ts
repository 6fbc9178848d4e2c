/**
 * Where the shared KubeDB reference data lives (CRDs, catalog entries): `../shared/reference/kubedb`
 * beside the repository, found by walking up from it so clones elsewhere under the same parent
 * work too, and else up from the checkout it was cloned from (a clone of a local checkout into a
 * temporary folder, as CI makes); `PXC_TLS_SHARED_DIR` overrides. Read there, never copied.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function kubedbReferenceDir(from: string = resolve(__dirname, '../..')): string {
  const override = process.env.PXC_TLS_SHARED_DIR;
  if (override) return join(override, 'reference', 'kubedb');
  const found = findAbove(from) ?? findAbove(localOrigin(from));
  if (found) return found;
  throw new Error(`shared/reference/kubedb not found above ${from}; set PXC_TLS_SHARED_DIR to the folder holding reference/kubedb`);
}

function findAbove(from: string | undefined): string | undefined {
  if (!from) return undefined;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', 'kubedb');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The folder a clone was made from, when its origin is a local path. */
function localOrigin(repo: string): string | undefined {
  try {
    const url = execFileSync('git', ['-C', repo, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    return url && existsSync(url) ? url : undefined;
  } catch {
    return undefined;
  }
}
