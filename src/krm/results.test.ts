import { exitCodeOf, formatResult } from './results';

describe('results', () => {
  it('formats like kpt prints them', () => {
    expect(formatResult({ severity: 'error', message: 'is required', resourceRef: { apiVersion: 'kubedb.com/v1', kind: 'PerconaXtraDB', name: 'db', namespace: 'demo' }, field: { path: 'spec.version' } })).toBe(
      '[error] kubedb.com/v1/PerconaXtraDB/demo/db spec.version: is required',
    );
    expect(formatResult({ severity: 'warning', message: 'careful', resourceRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c' } })).toBe('[warning] v1/ConfigMap/c: careful');
    expect(formatResult({ severity: 'info', message: 'hello' })).toBe('[info] hello');
  });

  it('exits 1 exactly when a result is an error', () => {
    expect(exitCodeOf([])).toBe(0);
    expect(exitCodeOf([{ severity: 'warning', message: 'w' }, { severity: 'info', message: 'i' }])).toBe(0);
    expect(exitCodeOf([{ severity: 'info', message: 'i' }, { severity: 'error', message: 'e' }])).toBe(1);
  });
});
