import { decideCaChange } from './ca-change-decider';
import type { MemberView } from './galera-decider';
import { GALERA_PROTOCOL, type CaChangeOrder, type TlsReloadFacts } from '../model/galera';

const OLD = 'AA:OLD-CA';
const NEW = 'BB:NEW-CA';
const OTHER = 'CC:OTHER-CA';

/** A running member with the certificate facts its agent reports (src/agent/tls-reload.ts). */
function member(ordinal: number, tlsReload: TlsReloadFacts | 'no pod' | 'no facts'): MemberView {
  const name = `db-${ordinal}`;
  if (tlsReload === 'no pod') return { name, ordinal, pod: false };
  if (tlsReload === 'no facts') return { name, ordinal, pod: true };
  return {
    name, ordinal, pod: true,
    facts: { protocol: GALERA_PROTOCOL, member: name, round: `r${ordinal}`, stage: 'running', dataDir: 'initialised', safeToBootstrap: false, mysqldExits: 0, tlsReload },
  };
}
const before: TlsReloadFacts = { served: 'leaf-old', servedCa: OLD, trusted: [OLD] };
const trusting: TlsReloadFacts = { served: 'leaf-old', servedCa: OLD, trusted: [OLD, NEW], waitingCa: NEW };
const presented: TlsReloadFacts = { served: 'leaf-new', servedCa: NEW, trusted: [OLD, NEW] };
const after: TlsReloadFacts = { served: 'leaf-new', servedCa: NEW, trusted: [NEW] };

const decide = (...each: Array<TlsReloadFacts | 'no pod' | 'no facts'>) => decideCaChange({ replicas: each.length, members: each.map((f, i) => member(i, f)) });

describe('decideCaChange: no member presents a leaf of the new CA before every member trusts it', () => {
  const cases: Array<[string, Array<TlsReloadFacts | 'no pod' | 'no facts'>, CaChangeOrder | undefined]> = [
    ['nothing under way: no order', [before, before, before], undefined],
    ['one member trusts the new CA, the others have not seen their swap yet: no present', [trusting, before, before], undefined],
    ['every member trusts the new CA: present', [trusting, trusting, trusting], { ca: NEW, stage: 'present' }],
    ['present stays while some members have not served their new leaf yet', [presented, trusting, trusting], { ca: NEW, stage: 'present' }],
    ['a member without facts holds present back (it may trust the old CA only)', [trusting, trusting, 'no facts'], undefined],
    ['a member without a pod holds present back', [trusting, trusting, 'no pod'], undefined],
    ['every member serves a leaf of the new CA, the old still trusted: retire', [presented, presented, presented], { ca: NEW, stage: 'retire' }],
    ['retire stays while some still hold the old CA', [after, presented, after], { ca: NEW, stage: 'retire' }],
    ['done: every member trusts only the new CA', [after, after, after], undefined],
    ['no retire while a member has not reported (it might serve an old leaf)', [presented, presented, 'no facts'], undefined],
    ['a fresh pod mid-change (trusting only the new CA) counts as trusting it', [trusting, trusting, { served: 'leaf-new', servedCa: NEW, trusted: [NEW] }], { ca: NEW, stage: 'present' }],
    ['members waiting for two CAs: the one most wait for', [trusting, trusting, { ...trusting, trusted: [OLD, NEW, OTHER], waitingCa: OTHER }], { ca: NEW, stage: 'present' }],
  ];
  test.each(cases)('%s', (_what, members, expected) => {
    expect(decide(...members).order).toEqual(expected);
  });

  test('the reason names who is not there yet', () => {
    expect(decide(trusting, before, before).reason).toMatch(/not yet: db-1, db-2/);
    expect(decide(presented, trusting, after).reason).toMatch(/every member trusts it/);
    expect(decide(before, before, before).reason).toBeUndefined();
  });
});
