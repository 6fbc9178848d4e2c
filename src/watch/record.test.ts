import { annotationUpToDate, composeAnnotation, gatePartOf, warningsPartOf, statefulSetsOf, VERDICT_ANNOTATION, verdictAnnotation, verdictAnnotationPatch } from './record';
import { pod, statefulSet } from './testing/objects';
import type { DatabaseVerdict } from '../tls/verdict';

const verdict = (reason: string, message: string, verified = false): DatabaseVerdict => ({ verified, reason, message, results: [] });

describe('the verdict annotation value', () => {
  test('`<Reason>: <message>`, as the pod condition says it', () => {
    expect(verdictAnnotation(verdict('CertificatesVerified', 'verified 2 certificate Secret(s): a-server-cert, a-client-cert', true)))
      .toBe('CertificatesVerified: verified 2 certificate Secret(s): a-server-cert, a-client-cert');
    expect(verdictAnnotation(verdict('UntrustedIssuer', 'Secret demo/x-server-cert: the certificate (issuer "CN=ca") is not signed by any of the 1 certificate(s) in ca.crt')))
      .toBe('UntrustedIssuer: Secret demo/x-server-cert: the certificate (issuer "CN=ca") is not signed by any of the 1 certificate(s) in ca.crt');
  });

  test('one line, at most 1 KiB, whatever the message (cert-manager\'s own messages may span lines)', () => {
    const multi = verdictAnnotation(verdict('CertificateNotReady', 'Certificate demo/x is not Ready (Failed:\n  line two\r\n\tline three)'));
    expect(multi).toBe('CertificateNotReady: Certificate demo/x is not Ready (Failed: line two line three)');
    const long = verdictAnnotation(verdict('SANMissing', 'x'.repeat(5000)));
    expect(long.length).toBeLessThanOrEqual(1024);
    expect(long).toMatch(/^SANMissing: x+…$/);
  });

  test('the same verdict gives the same value (no clock, no counts): nothing to write until the verdict changes', () => {
    const a = verdict('Expired', 'Secret demo/x: the certificate expired at 2024-01-01T00:00:00.000Z');
    expect(verdictAnnotation(a)).toBe(verdictAnnotation({ ...a, results: [{ alias: 'server', secretName: 'x', violation: null }] }));
    expect(verdictAnnotation(a)).not.toBe(verdictAnnotation(verdict('Expired', 'Secret demo/y: the certificate expired at 2024-01-01T00:00:00.000Z')));
  });

  test('up to date only when the StatefulSet shows exactly this value (missing → write)', () => {
    expect(annotationUpToDate(statefulSet('demo', 'x', { annotations: { [VERDICT_ANNOTATION]: 'A: a' } }), 'A: a')).toBe(true);
    expect(annotationUpToDate(statefulSet('demo', 'x', { annotations: { [VERDICT_ANNOTATION]: 'A: b' } }), 'A: a')).toBe(false);
    expect(annotationUpToDate(statefulSet('demo', 'x'), 'A: a')).toBe(false);
    expect(annotationUpToDate(statefulSet('demo', 'x', { annotations: { other: 'A: a' } }), 'A: a')).toBe(false);
  });

  test('the patch carries the annotation and the UID, nothing else', () => {
    expect(verdictAnnotationPatch('u-1', 'A: a')).toEqual({ metadata: { uid: 'u-1', annotations: { 'pxc-tls.dev/certificates-verdict': 'A: a' } } });
  });
});

describe('the annotation\'s parts: the verdict, then the warnings', () => {
  const stale = { reason: 'ServedCertificateStale', message: 'the certificate demo/db-1 serves\n is older' };
  const ca = { reason: 'CARekeyedAtRenewal', message: 'Certificate demo/px-ca writes px-ca' };

  test('` | `-separated, each on one line; a ` | ` inside a message cannot split it', () => {
    expect(composeAnnotation('CertificatesVerified: ok', [stale, ca])).toBe('CertificatesVerified: ok | ServedCertificateStale: the certificate demo/db-1 serves is older | CARekeyedAtRenewal: Certificate demo/px-ca writes px-ca');
    expect(composeAnnotation(undefined, [{ reason: 'ServedCertificateExpired', message: 'a | b' }])).toBe('ServedCertificateExpired: a / b');
    expect(verdictAnnotation(verdict('SANMissing', 'x | y'))).toBe('SANMissing: x / y');
    expect(composeAnnotation(undefined, [])).toBe('');
  });

  test('the verdict part is read back from a value, whatever warnings follow; a warnings-only value has none', () => {
    expect(gatePartOf(composeAnnotation('UntrustedIssuer: Secret demo/x: bad', [stale]))).toBe('UntrustedIssuer: Secret demo/x: bad');
    expect(gatePartOf('CertificatesVerified: verified 2 certificate Secret(s): a, b')).toBe('CertificatesVerified: verified 2 certificate Secret(s): a, b');
    expect(gatePartOf(composeAnnotation(undefined, [ca, stale]))).toBeUndefined();
    expect(gatePartOf(undefined)).toBeUndefined();
  });

  test('the warnings are read back too, and compose to the same value', () => {
    const value = composeAnnotation('CertificatesVerified: ok', [stale, ca]);
    expect(warningsPartOf(value)).toEqual([{ reason: 'ServedCertificateStale', message: 'the certificate demo/db-1 serves is older' }, ca]);
    expect(composeAnnotation(gatePartOf(value), warningsPartOf(value))).toBe(value);
    expect(warningsPartOf(composeAnnotation(undefined, [ca]))).toEqual([ca]);
    expect(warningsPartOf('CertificatesVerified: ok')).toEqual([]);
    expect(warningsPartOf(undefined)).toEqual([]);
  });

  test('an empty value removes the annotation (merge patch null)', () => {
    expect(verdictAnnotationPatch('u-1', '')).toEqual({ metadata: { uid: 'u-1', annotations: { 'pxc-tls.dev/certificates-verdict': null } } });
    expect(annotationUpToDate(statefulSet('demo', 'x'), '')).toBe(true);
  });
});

describe('the StatefulSets to annotate', () => {
  test('the pods\' apps/v1 StatefulSet controller, once per UID; other owners and owner-less pods give none', () => {
    const pods = [pod('demo', 'db', 0), pod('demo', 'db', 1)];
    expect(statefulSetsOf(pods)).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'uid-sts-db', controller: true }]);
    const other = pod('demo', 'db', 2);
    other.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'db-x', uid: 'r', controller: true }];
    const notController = pod('demo', 'db', 3);
    notController.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 's' }];
    const bare = pod('demo', 'db', 4);
    delete bare.metadata.ownerReferences;
    expect(statefulSetsOf([other, notController, bare])).toEqual([]);
  });
});
