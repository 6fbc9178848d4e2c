import type { WsrepStatus } from '../model/galera';
import { RejoinClock, rejoinStatement } from './rejoin';

const status = (clusterStatus: string): WsrepStatus => ({ clusterStatus, localState: 'Initialized', clusterSize: 0, clusterStateUuid: 'u' });

describe('a member Disconnected from every component is asked to connect again', () => {
  it('only after it has stayed Disconnected for the delay, then at most once per period', () => {
    const clock = new RejoinClock(60_000, 300_000);
    expect(clock.due(status('Disconnected'), 0)).toBe(false);
    expect(clock.due(status('Disconnected'), 59_999)).toBe(false);
    expect(clock.due(status('Disconnected'), 60_000)).toBe(true);
    expect(clock.due(status('Disconnected'), 61_000)).toBe(false);
    expect(clock.due(status('Disconnected'), 359_999)).toBe(false);
    expect(clock.due(status('Disconnected'), 360_000)).toBe(true);
  });

  it('never while it is in a component (Primary or not: a partition is the decider\'s), and the delay starts again after one', () => {
    const clock = new RejoinClock(60_000, 300_000);
    expect(clock.due(status('Disconnected'), 0)).toBe(false);
    expect(clock.due(status('non-Primary'), 70_000)).toBe(false);
    expect(clock.due(status('Primary'), 80_000)).toBe(false);
    expect(clock.due(status('Disconnected'), 90_000)).toBe(false);
    expect(clock.due(status('Disconnected'), 149_999)).toBe(false);
    expect(clock.due(status('Disconnected'), 150_000)).toBe(true);
  });

  it('an unanswered status query changes nothing', () => {
    const clock = new RejoinClock(60_000, 300_000);
    expect(clock.due(status('Disconnected'), 0)).toBe(false);
    expect(clock.due(undefined, 30_000)).toBe(false);
    expect(clock.due(status('Disconnected'), 60_000)).toBe(true);
  });

  it('sets the address mysqld runs with, quoted as a SQL string', () => {
    expect(rejoinStatement('gcomm://a.db-pods.ns.svc,b.db-pods.ns.svc')).toBe("SET GLOBAL wsrep_cluster_address = 'gcomm://a.db-pods.ns.svc,b.db-pods.ns.svc'");
    expect(rejoinStatement("gcomm://x'y\\z")).toBe("SET GLOBAL wsrep_cluster_address = 'gcomm://x\\'y\\\\z'");
  });
});
