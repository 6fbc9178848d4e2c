/**
 * Where objects live in a kpt package (krm-conventions §3): the path and index annotations kpt puts
 * on items, and the file new objects go to — `<file>.pxc-tls.yaml` beside their database's file.
 */
import { KubeObject } from '../krm/types';
import { INDEX_ANNOTATIONS, PATH_ANNOTATIONS } from '../model/project';

export function pathOf(object: KubeObject): string | undefined {
  const annotations = object.metadata.annotations ?? {};
  for (const key of PATH_ANNOTATIONS) if (annotations[key]) return annotations[key];
  return undefined;
}

export function indexOf(object: KubeObject): number {
  const annotations = object.metadata.annotations ?? {};
  for (const key of INDEX_ANNOTATIONS) if (annotations[key]) return Number(annotations[key]);
  return 0;
}

/** `dbs/sample.yaml` → `dbs/sample.pxc-tls.yaml`: generated objects sit beside their database's file. */
export function generatedPath(sourcePath: string): string {
  const slash = sourcePath.lastIndexOf('/');
  const dir = sourcePath.slice(0, slash + 1);
  const file = sourcePath.slice(slash + 1);
  const stem = file.replace(/\.(ya?ml|json)$/, '');
  return `${dir}${stem}.pxc-tls.yaml`;
}

/** The highest index in use in each file. */
export function highestIndexByPath(objects: readonly KubeObject[]): Map<string, number> {
  const highest = new Map<string, number>();
  for (const object of objects) {
    const path = pathOf(object);
    if (path === undefined) continue;
    highest.set(path, Math.max(highest.get(path) ?? -1, indexOf(object)));
  }
  return highest;
}

/** In a kpt package, new objects go to a file beside their database's, each at its own index. */
export function place(db: KubeObject, objects: readonly KubeObject[], nextIndex: Map<string, number>): KubeObject[] {
  const source = pathOf(db);
  if (source === undefined) return [...objects];
  const path = generatedPath(source);
  const annotationKeys = db.metadata.annotations ?? {};
  return objects.map((object) => {
    const index = (nextIndex.get(path) ?? -1) + 1;
    nextIndex.set(path, index);
    const annotations = { ...object.metadata.annotations };
    PATH_ANNOTATIONS.forEach((key, i) => {
      if (annotationKeys[key] !== undefined) {
        annotations[key] = path;
        annotations[INDEX_ANNOTATIONS[i]!] = String(index);
      }
    });
    return { ...object, metadata: { ...object.metadata, annotations } };
  });
}
