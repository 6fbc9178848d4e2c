/** A Kubernetes object as plain data: the shape every item of a ResourceList has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Identifies an object in results, as the KRM functions spec's `resourceRef`. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The object's reference, from whatever of it is there (input may be broken: only strings are taken). */
export function refOf(object: KubeObject | unknown): ResourceRef {
  const fields = isPlainObject(object) ? object : {};
  const metadata = isPlainObject(fields.metadata) ? fields.metadata : {};
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const ref: ResourceRef = { apiVersion: text(fields.apiVersion), kind: text(fields.kind), name: text(metadata.name) };
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '') ref.namespace = metadata.namespace;
  return ref;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `group/version` → `group`; core `v1` → ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** An output item; `origin` is the index of the input item it is, or was derived from (its source text is reused). */
export interface OutputItem {
  object: KubeObject;
  origin?: number;
}
