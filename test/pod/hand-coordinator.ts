// ============================================================================================
// HAND COORDINATOR — TEST SCAFFOLDING, NOT THE PRODUCT.
//
// KubeDB's px-coordinator is closed source; issue 11's pxc-tls agent (in each pod) and the
// watcher's single decider replace it. This hand-written stand-in exists only to prove the pod rig:
// it follows KubeDB's public file contract (kubedb-startup.md §5) from inside each pod's agent
// container — writes /scripts/peer-list, runs the init image's directory-exist.sh, copies the init
// image's own blank-script.sh / recover-seq-no.sh to /run-script/pre-run-on-present.sh and
// bootstrap-new-cluster.sh / join-cluster.sh / after-crash-bootstrap.sh to
// /run-script/run-on-present.sh. Its decisions are fixed test logic with no fencing, no facts
// channel and no authority checks: the agent engineer replaces this file, not the rig.
// ============================================================================================
import type { SandboxKubelet } from './kubelet';
import { AGENT_CONTAINER } from './kubedb-pod';
import { waitReady } from './workloads';

const DB = 'perconaxtradb';

export interface MemberFacts {
  pod: string;
  ordinal: number;
  seqno: number;
  uuid: string;
  safeToBootstrap: boolean;
}

export class HandCoordinator {
  constructor(
    private readonly kubelet: SandboxKubelet,
    private readonly namespace: string,
    private readonly pods: string[],
    private readonly governingService: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** `<pod>.<governing service>.<namespace>` for every member: MariaDB's 2021 on-start format (= AM PeerName). */
  peerList(): string {
    return this.pods.map((p) => `${p}.${this.governingService}.${this.namespace}`).join(',');
  }

  private sh(pod: string, script: string): Promise<string> {
    return this.kubelet.pod(this.namespace, pod).execOk(AGENT_CONTAINER, ['bash', '-c', script], { timeoutMs: 60_000 });
  }

  /** Waits until the database container's run.sh loop is waiting for the peer list (it has cleaned
   * /run-script and the old peer-list by then), with at least `restartsAbove` restarts. */
  async waitForRunLoop(pod: string, restartsAbove = -1, timeoutMs = 180_000): Promise<void> {
    const h = this.kubelet.pod(this.namespace, pod);
    await h.waitRunning(DB, { restartsAbove, timeoutMs });
    await h.waitRunning(AGENT_CONTAINER, { timeoutMs });
    const end = Date.now() + timeoutMs;
    while (!h.logs(DB).includes('waiting for peer-list file to come')) {
      if (Date.now() > end) throw new Error(`${pod}: run.sh never waited for the peer list:\n${h.logs(DB).slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** peer-list, then the pre-run script by directory-exist.sh: blank for an empty data directory,
   * recover-seq-no.sh otherwise. Returns what directory-exist.sh printed. */
  async prepare(pod: string): Promise<'Empty' | 'Not Empty'> {
    const state = (await this.sh(pod, '/scripts/directory-exist.sh')) as 'Empty' | 'Not Empty';
    const pre = state === 'Empty' ? 'blank-script.sh' : 'recover-seq-no.sh';
    // Written under a temporary name and renamed: on-start.sh polls for the final names.
    await this.sh(pod, `printf %s '${this.peerList()}' > /scripts/.peer-list && mv /scripts/.peer-list /scripts/peer-list && ` +
      `cp /scripts/${pre} /run-script/.pre && mv /run-script/.pre /run-script/pre-run-on-present.sh`);
    this.log(`${pod}: data ${state}; peer-list ${this.peerList()}; pre-run ${pre}`);
    return state;
  }

  async runScript(pod: string, script: 'bootstrap-new-cluster.sh' | 'join-cluster.sh' | 'after-crash-bootstrap.sh'): Promise<void> {
    await this.sh(pod, `cp /scripts/${script} /run-script/.run && mv /run-script/.run /run-script/run-on-present.sh`);
    this.log(`${pod}: run-on-present ${script}`);
  }

  /** After recover-seq-no.sh ran (on-start then waits for run-on-present): the seqno and grastate.dat. */
  async facts(pod: string, timeoutMs = 180_000): Promise<MemberFacts> {
    const h = this.kubelet.pod(this.namespace, pod);
    const end = Date.now() + timeoutMs;
    while (!h.logs(DB).includes('waiting for run-on-present script to come')) {
      if (Date.now() > end) throw new Error(`${pod}: the pre-run script never finished:\n${h.logs(DB).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const seqno = (await this.sh(pod, 'cat /scripts/seqno 2>/dev/null || true')).trim();
    const grastate = await this.sh(pod, 'cat /var/lib/mysql/grastate.dat');
    const uuid = /^uuid:\s*(\S+)/m.exec(grastate)?.[1] ?? '';
    return { pod, ordinal: this.pods.indexOf(pod), seqno: seqno === '' ? NaN : Number(seqno), uuid, safeToBootstrap: /^safe_to_bootstrap:\s*1/m.test(grastate) };
  }

  /** First start, every data directory empty: ordinal 0 bootstraps, the others join one at a time. */
  async firstStart(readyTimeoutMs = 300_000): Promise<void> {
    await Promise.all(this.pods.map((p) => this.waitForRunLoop(p)));
    for (const p of this.pods) if ((await this.prepare(p)) !== 'Empty') throw new Error(`${p}: data directory not empty on a first start`);
    await this.runScript(this.pods[0]!, 'bootstrap-new-cluster.sh');
    await waitReady(this.kubelet.api, this.namespace, this.pods[0]!, readyTimeoutMs);
    for (const p of this.pods.slice(1)) {
      await this.runScript(p, 'join-cluster.sh');
      await waitReady(this.kubelet.api, this.namespace, p, readyTimeoutMs);
    }
  }

  /** After a whole-cluster crash: every member recovers its seqno; the one with safe_to_bootstrap, else
   * the highest seqno (ties: lowest ordinal) runs after-crash-bootstrap.sh; the others join. */
  async recoverWholeCluster(restartsAbove: Record<string, number>, readyTimeoutMs = 300_000): Promise<{ chosen: string; facts: MemberFacts[] }> {
    await Promise.all(this.pods.map((p) => this.waitForRunLoop(p, restartsAbove[p] ?? -1)));
    for (const p of this.pods) if ((await this.prepare(p)) !== 'Not Empty') throw new Error(`${p}: data directory empty after a crash`);
    const facts = await Promise.all(this.pods.map((p) => this.facts(p)));
    const uuids = new Set(facts.map((f) => f.uuid));
    if (uuids.size !== 1) throw new Error(`members disagree on the cluster UUID: ${JSON.stringify(facts)}`);
    const chosen = facts.find((f) => f.safeToBootstrap) ?? [...facts].sort((a, b) => b.seqno - a.seqno || a.ordinal - b.ordinal)[0]!;
    this.log(`facts ${JSON.stringify(facts)}; bootstrapping from ${chosen.pod}`);
    await this.runScript(chosen.pod, 'after-crash-bootstrap.sh');
    await waitReady(this.kubelet.api, this.namespace, chosen.pod, readyTimeoutMs);
    for (const p of this.pods.filter((x) => x !== chosen.pod)) {
      await this.runScript(p, 'join-cluster.sh');
      await waitReady(this.kubelet.api, this.namespace, p, readyTimeoutMs);
    }
    return { chosen: chosen.pod, facts };
  }
}
