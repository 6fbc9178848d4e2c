import type { WsrepStatus } from '../model/galera';
import { notReadyBecause } from './readiness';

const status = (clusterStatus: string, localState: string): WsrepStatus => ({ clusterStatus, localState, clusterSize: 3, clusterStateUuid: 'u' });

describe('a member is ready when it holds the whole state in a Primary component', () => {
  test.each([
    ['Synced in a Primary component', status('Primary', 'Synced'), undefined],
    ['a donor sending a state transfer (still a full member: the StatefulSet controller must not replace it mid-roll)', status('Primary', 'Donor/Desynced'), undefined],
    ['a joiner receiving a state transfer', status('Primary', 'Joining'), 'the member is Joining, not Synced'],
    ['joined but still applying its backlog', status('Primary', 'Joined'), 'the member is Joined, not Synced'],
    ['Synced but cut off from the quorum', status('non-Primary', 'Synced'), 'the member is in a non-Primary component'],
    ['disconnected', status('Disconnected', 'Initialized'), 'the member is in a Disconnected component'],
    ['mysqld not answering', undefined, 'mysqld does not answer (stage waiting)'],
  ])('%s', (_name, s, expected) => {
    expect(notReadyBecause(s, 'waiting')).toBe(expected);
  });
});
