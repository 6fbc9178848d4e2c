/**
 * Where the shared KubeDB reference data lives (CRDs, catalog entries): `../shared/reference/kubedb`
 * beside the repository, found by walking up from it so clones elsewhere under the same parent
 * work too; `PXC_TLS_SHARED_DIR` overrides. Read there, never copied into the project.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function kubedbReferenceDir(from: string = resolve(__dirname, '../..')): string {
  const override = process.env.PXC_TLS_SHARED_DIR;
  if (override) return join(override, 'reference', 'kubedb');
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', 'kubedb');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`shared/reference/kubedb not found above ${from}; set PXC_TLS_SHARED_DIR to the folder holding reference/kubedb`);
}
