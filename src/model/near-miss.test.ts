import { didYouMean, editDistance, nearestWord } from './near-miss';

describe('editDistance (with adjacent transpositions)', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', 'abd', 1],
    ['abc', 'acb', 1],
    ['kitten', 'sitting', 3],
    ['requireSsl', 'requireSSL', 2],
  ])('%j → %j is %d', (a, b, distance) => expect(editDistance(a, b)).toBe(distance));

  it('stops early past a limit', () => expect(editDistance('aaaaaaaa', 'bbbbbbbb', 2)).toBe(3));
});

describe('nearestWord', () => {
  const fields = ['requireSSL', 'replicas', 'tls', 'storage', 'storageType', 'podTemplate'];
  it.each([
    ['requireSsl', 'requireSSL'],
    ['TLS', 'tls'],
    ['replica', 'replicas'],
    ['storagetype', 'storageType'],
    ['podTempalte', 'podTemplate'],
  ])('%s → %s', (word, expected) => expect(nearestWord(word, fields)).toBe(expected));

  it.each(['colour', 'x', 'monitoring'])('has nothing near %j', (word) => expect(nearestWord(word, fields)).toBeUndefined());

  it('prefers a case-only difference, then the closest, then the first listed', () => {
    expect(nearestWord('Storage', ['storagx', 'storage'])).toBe('storage');
    expect(nearestWord('abcd', ['abxx', 'abcx'])).toBe('abcx');
    expect(nearestWord('abcd', ['abcx', 'abcy'])).toBe('abcx');
  });

  it('phrases the hint', () => {
    expect(didYouMean('TLS', ['tls'])).toBe('; did you mean "tls"?');
    expect(didYouMean('zzz', ['tls'])).toBe('');
  });
});
