import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { kubedbReferenceDir } from '../test-support/shared-reference';
import { CATALOG } from './catalog';

/** The image table must match the KubeDB catalog entries kept in ../shared. */
const SHARED = join(kubedbReferenceDir(), 'catalog');

describe('CATALOG', () => {
  const files = readdirSync(SHARED).filter((f) => f.endsWith('.yaml'));

  it('has exactly the versions of the shared catalog', () => {
    const versions = files.map((f) => (load(readFileSync(join(SHARED, f), 'utf8')) as { spec: { version: string } }).spec.version);
    expect(Object.keys(CATALOG).sort()).toEqual(versions.sort());
  });

  it.each(files)('matches %s', (file) => {
    const entry = load(readFileSync(join(SHARED, file), 'utf8')) as {
      spec: { version: string; db: { image: string }; coordinator: { image: string }; initContainer: { image: string }; exporter: { image: string }; securityContext: { runAsUser: number }; endOfLife?: boolean };
    };
    const ours = CATALOG[entry.spec.version]!;
    expect(ours).toEqual({
      db: entry.spec.db.image,
      coordinator: entry.spec.coordinator.image,
      init: entry.spec.initContainer.image,
      exporter: entry.spec.exporter.image,
      runAsUser: entry.spec.securityContext.runAsUser,
      ...(entry.spec.endOfLife ? { endOfLife: true } : {}),
    });
  });
});
