/**
 * Removing our scheduling gate from a Pod: a JSON patch that first tests that the entry at the
 * index is still ours, then removes exactly that entry. Other gates are never touched, and a
 * pod whose gates changed since we read it makes the patch fail (422) instead of removing the
 * wrong gate.
 */
import { SCHEDULING_GATE } from '../model/project';
import type { PodObject } from './types';

export type JsonPatchOp = { op: 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Index of `gate` in the pod's schedulingGates, or -1. */
export function gateIndex(pod: PodObject, gate = SCHEDULING_GATE): number {
  return (pod.spec?.schedulingGates ?? []).findIndex((g) => g.name === gate);
}

/** The guarded patch removing `gate`, or undefined when the pod does not carry it. */
export function removeGatePatch(pod: PodObject, gate = SCHEDULING_GATE): JsonPatchOp[] | undefined {
  const index = gateIndex(pod, gate);
  if (index < 0) return undefined;
  return [
    { op: 'test', path: `/spec/schedulingGates/${index}/name`, value: gate },
    { op: 'remove', path: `/spec/schedulingGates/${index}` },
  ];
}

/** RFC 6902 applied to the gates only: what the API server does with removeGatePatch (for tests and fakes). */
export function applyGatePatch(pod: PodObject, patch: readonly JsonPatchOp[]): PodObject {
  const gates = [...(pod.spec?.schedulingGates ?? [])];
  for (const op of patch) {
    const match = /^\/spec\/schedulingGates\/(\d+)(\/name)?$/.exec(op.path);
    if (!match) throw new Error(`unsupported path ${op.path}`);
    const index = Number(match[1]);
    if (op.op === 'test') {
      if (gates[index]?.name !== op.value) throw new Error(`test failed at ${op.path}`);
    } else {
      if (index >= gates.length) throw new Error(`no element at ${op.path}`);
      gates.splice(index, 1);
    }
  }
  return { ...pod, spec: { ...pod.spec, schedulingGates: gates } };
}
