import { SCHEDULING_GATE } from '../model/project';
import { applyGatePatch, gateIndex, removeGatePatch } from './gate';
import type { PodObject } from './types';

const pod = (...gates: string[]): PodObject => ({ metadata: { name: 'db-0', namespace: 'demo' }, spec: { schedulingGates: gates.map((name) => ({ name })) } });

describe('the gate patch', () => {
  test('tests the name at our index, then removes that index only', () => {
    expect(removeGatePatch(pod('a.example/x', SCHEDULING_GATE, 'b.example/y'))).toEqual([
      { op: 'test', path: '/spec/schedulingGates/1/name', value: SCHEDULING_GATE },
      { op: 'remove', path: '/spec/schedulingGates/1' },
    ]);
  });

  test('applied, it leaves every other gate in order', () => {
    const p = pod('a.example/x', SCHEDULING_GATE, 'b.example/y');
    expect(applyGatePatch(p, removeGatePatch(p)!).spec!.schedulingGates).toEqual([{ name: 'a.example/x' }, { name: 'b.example/y' }]);
  });

  test('is refused when the gates moved since the pod was read (the test op guards the index)', () => {
    const stale = pod('a.example/x', SCHEDULING_GATE);
    const now = pod(SCHEDULING_GATE); // a.example/x was removed meanwhile
    expect(() => applyGatePatch(now, removeGatePatch(stale)!)).toThrow(/test failed/);
  });

  test('there is nothing to patch on a pod without our gate', () => {
    expect(removeGatePatch(pod('a.example/x'))).toBeUndefined();
    expect(removeGatePatch({ metadata: { name: 'x' } })).toBeUndefined();
    expect(gateIndex(pod())).toBe(-1);
  });
});
