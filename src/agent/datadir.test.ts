import { classifyDataDir, parseGrastate, parseRecoveredSeqno } from './datadir';

describe('classifyDataDir', () => {
  test.each([
    ['a fresh volume (nothing but lost+found) is empty', { entries: ['lost+found'], systemSchemaIsDirectory: false }, 'empty'],
    ['no entries at all is empty', { entries: [], systemSchemaIsDirectory: false }, 'empty'],
    ['a database (mysql/ is a directory) is initialised', { entries: ['mysql', 'ibdata1', 'grastate.dat'], systemSchemaIsDirectory: true }, 'initialised'],
    ['files without mysql/ (an initialisation that did not finish) are uninitialised', { entries: ['sst-xb-tmpdir', 'grastate.dat'], systemSchemaIsDirectory: false }, 'uninitialised'],
    ['a file named mysql is not the system schema directory', { entries: ['mysql'], systemSchemaIsDirectory: false }, 'uninitialised'],
  ] as const)('%s', (_name, listing, kind) => expect(classifyDataDir(listing)).toBe(kind));
});

describe('parseGrastate', () => {
  test('Galera\'s saved state after a crash', () =>
    expect(parseGrastate('# GALERA saved state\nversion: 2.1\nuuid:    5ee99582-bb8d-11e2-b8e3-23de375c1d30\nseqno:   -1\nsafe_to_bootstrap: 0\n'))
      .toEqual({ uuid: '5ee99582-bb8d-11e2-b8e3-23de375c1d30', seqno: -1, safeToBootstrap: false }));
  test('after the last member left cleanly', () =>
    expect(parseGrastate('version: 2.1\nuuid: 5ee99582-bb8d-11e2-b8e3-23de375c1d30\nseqno: 1234\nsafe_to_bootstrap: 1\n')).toMatchObject({ seqno: 1234, safeToBootstrap: true }));
  test('the all-zero uuid means no cluster yet', () =>
    expect(parseGrastate('uuid: 00000000-0000-0000-0000-000000000000\nseqno: -1\n')).toEqual({ seqno: -1, safeToBootstrap: false }));
  test('a torn file is no state', () => expect(parseGrastate('# GALERA saved state\nversion: 2.1\nuu')).toBeUndefined());
});

test('recover-seq-no.sh\'s file: digits (maybe -1), or empty when recovery printed nothing', () => {
  expect(parseRecoveredSeqno('1234')).toBe(1234);
  expect(parseRecoveredSeqno('-1')).toBe(-1);
  expect(parseRecoveredSeqno('')).toBeUndefined();
});
