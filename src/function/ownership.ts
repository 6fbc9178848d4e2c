/**
 * What pxc-tls owns in its input, and so may replace, remove or take back:
 *   - a generated object: it carries `pxc-tls.dev/database` and a `pxc-tls.dev/generated` mark that
 *     matches the database's name and the object's own group, kind and name. The same annotations
 *     copied onto another object, or onto an object of another database, do not match: such an
 *     object is the user's, never removed;
 *   - the `config.kubernetes.io/local-config` mark on a database, when pxc-tls recorded adding it
 *     (`pxc-tls.dev/local-config-added`). A mark the user set is never touched.
 * Pure functions of the objects; the mark is a digest, the same on every run and machine.
 */
import { groupOf, KubeObject } from '../krm/types';
import { GENERATED_FROM_ANNOTATION, GENERATED_MARK_ANNOTATION, LOCAL_CONFIG_ADDED_ANNOTATION, LOCAL_CONFIG_ANNOTATION } from '../model/project';

/** Two FNV-1a hashes (32-bit, different offset bases) of the text's UTF-16 code units: 16 hex digits. */
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The mark of an object rendered for the database `databaseName` (in the object's namespace); `v1-` names the scheme. */
export function generatedMark(databaseName: string, object: KubeObject): string {
  return 'v1-' + digest(`pxc-tls generated\n${databaseName}\n${groupOf(object.apiVersion)}/${object.kind}\n${object.metadata.name ?? ''}`);
}

/** The object with its mark added: every object pxc-tls renders carries one. */
export function withGeneratedMark(object: KubeObject, databaseName: string): KubeObject {
  const annotations = { ...object.metadata.annotations, [GENERATED_MARK_ANNOTATION]: generatedMark(databaseName, object) };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/** The name of the database an input object was generated for, when its mark proves it; else undefined. */
export function generatedFor(object: KubeObject): string | undefined {
  const annotations = object.metadata.annotations;
  const database = annotations?.[GENERATED_FROM_ANNOTATION];
  const mark = annotations?.[GENERATED_MARK_ANNOTATION];
  if (typeof database !== 'string' || typeof mark !== 'string') return undefined;
  return mark === generatedMark(database, object) ? database : undefined;
}

/** Carries pxc-tls's annotations without a matching mark: changed or copied, so the user's. */
export function carriesForeignMark(object: KubeObject): boolean {
  return object.metadata.annotations?.[GENERATED_FROM_ANNOTATION] !== undefined && generatedFor(object) === undefined;
}

function withAnnotations(object: KubeObject, change: (annotations: Record<string, string>) => void): KubeObject {
  const annotations = { ...object.metadata.annotations };
  change(annotations);
  const metadata = { ...object.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
  return { ...object, metadata };
}

export type LocalConfigChange = 'added' | 'removed' | 'user-mark' | 'unchanged';

/**
 * A rendered database must not reach the cluster where a KubeDB operator would act on it too:
 * mark it local-config (kustomize drops it, `kpt live apply` skips it) and record that the mark is
 * ours. A mark already there without the record is the user's, and stays as it is.
 */
export function markRendered(db: KubeObject): { object: KubeObject; change: LocalConfigChange } {
  const annotations = db.metadata.annotations ?? {};
  if (annotations[LOCAL_CONFIG_ANNOTATION] === 'true') {
    return { object: db, change: annotations[LOCAL_CONFIG_ADDED_ANNOTATION] === undefined ? 'user-mark' : 'unchanged' };
  }
  const object = withAnnotations(db, (a) => {
    a[LOCAL_CONFIG_ANNOTATION] = 'true';
    a[LOCAL_CONFIG_ADDED_ANNOTATION] = 'true';
  });
  return { object, change: 'added' };
}

/**
 * A database pxc-tls does not render (no TLS), or renders for a KubeDB operator (kubedb mode),
 * must reach the cluster: take off the local-config mark if pxc-tls added it. A mark the user set
 * stays ('user-mark').
 */
export function unmarkUnrendered(db: KubeObject): { object: KubeObject; change: LocalConfigChange } {
  const annotations = db.metadata.annotations ?? {};
  if (annotations[LOCAL_CONFIG_ADDED_ANNOTATION] === undefined) {
    return { object: db, change: annotations[LOCAL_CONFIG_ANNOTATION] === 'true' ? 'user-mark' : 'unchanged' };
  }
  const object = withAnnotations(db, (a) => {
    delete a[LOCAL_CONFIG_ANNOTATION];
    delete a[LOCAL_CONFIG_ADDED_ANNOTATION];
  });
  return { object, change: 'removed' };
}
