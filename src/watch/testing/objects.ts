// Test support (never bundled): pods as the rendered StatefulSet creates them, and an in-memory
// API (caches + writer) that applies the watcher's writes the way the API server does.
import { CERT_ALIASES, LABEL, LABEL_VALUE, TLS_VOLUME } from '../../model/kubedb';
import { certificateName } from '../../model/names';
import { SCHEDULING_GATE } from '../../model/project';
import type { Caches, Writer } from '../controller';
import { applyGatePatch, type JsonPatchOp } from '../gate';
import type { EventObject, VerdictAnnotationPatch } from '../record';
import type { CertificateObject, Condition, PodObject, SecretObject, StatefulSetObject } from '../types';

export function pod(namespace: string, db: string, ordinal: number, opts: { gates?: string[]; aliases?: readonly string[] } = {}): PodObject {
  const name = `${db}-${ordinal}`;
  return {
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      resourceVersion: '1',
      labels: { [LABEL.name]: LABEL_VALUE.name, [LABEL.instance]: db, [LABEL.managedBy]: LABEL_VALUE.managedBy },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: db, uid: `uid-sts-${db}`, controller: true }],
    },
    spec: {
      schedulingGates: (opts.gates ?? [SCHEDULING_GATE]).map((g) => ({ name: g })),
      hostname: name,
      subdomain: `${db}-pods`,
      volumes: [
        { name: 'data' },
        ...(opts.aliases ?? CERT_ALIASES.slice(0, 2)).map((alias) => ({
          name: TLS_VOLUME[alias as (typeof CERT_ALIASES)[number]],
          secret: { secretName: certificateName(db, alias as (typeof CERT_ALIASES)[number]) },
        })),
      ],
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
  };
}

/** The StatefulSet the pods of `pod(namespace, db, …)` point at (its controller ownerReference). */
export function statefulSet(namespace: string, db: string, opts: { uid?: string; annotations?: Record<string, string> } = {}): StatefulSetObject {
  return { metadata: { name: db, namespace, uid: opts.uid ?? `uid-sts-${db}`, resourceVersion: '1', ...(opts.annotations ? { annotations: opts.annotations } : {}) } };
}

export interface Call {
  op: 'patchPod' | 'patchPodStatus' | 'createEvent' | 'getStatefulSet' | 'patchStatefulSet';
  namespace: string;
  name: string;
  body: unknown;
}

/** Objects by namespace/name, and a writer that records each call and applies it like the API server. */
export class FakeApi {
  readonly pods = new Map<string, PodObject>();
  readonly secrets = new Map<string, SecretObject>();
  readonly certificates = new Map<string, CertificateObject>();
  readonly statefulSets = new Map<string, StatefulSetObject>();
  readonly calls: Call[] = [];
  readonly events: EventObject[] = [];
  /** Status codes to fail the next calls with, per op. */
  readonly failNext = new Map<Call['op'], number>();

  static key(o: { metadata: { namespace?: string; name: string } }): string {
    return `${o.metadata.namespace}/${o.metadata.name}`;
  }

  put(...objects: Array<PodObject | SecretObject | CertificateObject | StatefulSetObject>): this {
    for (const o of objects) {
      if (!('spec' in o) && !('data' in o) && !('type' in o) && !('status' in o)) this.statefulSets.set(FakeApi.key(o), o as StatefulSetObject);
      else if ('spec' in o && o.spec && 'secretName' in o.spec) this.certificates.set(FakeApi.key(o), o as CertificateObject);
      else if ('data' in o || (o as SecretObject).type) this.secrets.set(FakeApi.key(o), o as SecretObject);
      else this.pods.set(FakeApi.key(o), o as PodObject);
    }
    return this;
  }

  caches(): Caches {
    return {
      pods: (ns) => [...this.pods.values()].filter((p) => ns === undefined || p.metadata.namespace === ns),
      secret: (ns, name) => this.secrets.get(`${ns}/${name}`),
      certificates: (ns) => [...this.certificates.values()].filter((c) => c.metadata.namespace === ns),
    };
  }

  private fail(op: Call['op']): void {
    const status = this.failNext.get(op);
    if (status === undefined) return;
    this.failNext.delete(op);
    throw Object.assign(new Error(`HTTP ${status}`), { statusCode: status });
  }

  writer(): Writer {
    return {
      patchPod: async (namespace, name, patch: JsonPatchOp[]) => {
        this.calls.push({ op: 'patchPod', namespace, name, body: patch });
        this.fail('patchPod');
        const current = this.pods.get(`${namespace}/${name}`);
        if (!current) throw Object.assign(new Error('not found'), { statusCode: 404 });
        try {
          this.pods.set(`${namespace}/${name}`, applyGatePatch(current, patch));
        } catch {
          throw Object.assign(new Error('the test op failed'), { statusCode: 422 });
        }
      },
      patchPodStatus: async (namespace, name, body) => {
        this.calls.push({ op: 'patchPodStatus', namespace, name, body });
        this.fail('patchPodStatus');
        const current = this.pods.get(`${namespace}/${name}`);
        if (!current) throw Object.assign(new Error('not found'), { statusCode: 404 });
        const incoming = (body as { status: { conditions: Condition[] } }).status.conditions;
        const kept = (current.status?.conditions ?? []).filter((c) => !incoming.some((n) => n.type === c.type));
        this.pods.set(`${namespace}/${name}`, { ...current, status: { ...current.status, conditions: [...kept, ...incoming] } });
      },
      createEvent: async (namespace, event) => {
        this.calls.push({ op: 'createEvent', namespace, name: event.metadata.name, body: event });
        this.fail('createEvent');
        this.events.push(event);
      },
      getStatefulSet: async (namespace, name) => {
        this.calls.push({ op: 'getStatefulSet', namespace, name, body: undefined });
        this.fail('getStatefulSet');
        const sts = this.statefulSets.get(`${namespace}/${name}`);
        return sts && structuredClone(sts);
      },
      // A JSON merge patch, as the API server applies it: the UID must match (it is immutable).
      patchStatefulSet: async (namespace, name, patch: VerdictAnnotationPatch) => {
        this.calls.push({ op: 'patchStatefulSet', namespace, name, body: patch });
        this.fail('patchStatefulSet');
        const current = this.statefulSets.get(`${namespace}/${name}`);
        if (!current) throw Object.assign(new Error('not found'), { statusCode: 404 });
        if (patch.metadata.uid !== current.metadata.uid) throw Object.assign(new Error('metadata.uid: field is immutable'), { statusCode: 422 });
        // Merge patch semantics: null removes a key.
        const annotations: Record<string, string> = { ...current.metadata.annotations };
        for (const [k, v] of Object.entries(patch.metadata.annotations)) {
          if (v === null) delete annotations[k];
          else annotations[k] = v;
        }
        this.statefulSets.set(`${namespace}/${name}`, { ...current, metadata: { ...current.metadata, annotations, resourceVersion: String(Number(current.metadata.resourceVersion ?? '0') + 1) } });
      },
    };
  }
}
