// What happens to each pod of a namespace, seen from outside on this process's clock: a kubectl
// watch stream (the same way the latency test observes). Keyed by UID, so a pod deleted and made
// again by the StatefulSet controller is a new entry.
import { spawn, type ChildProcess } from 'node:child_process';
import { kubeconfigPath } from '../cluster/kube';
import { CONDITION, GATE, sleep } from './fixture';

export interface PodLife {
  uid: string;
  name: string;
  /** First seen (ADDED), and whether it carried our gate then. */
  seenAt: number;
  gatedWhenSeen: boolean;
  ungatedAt?: number;
  boundAt?: number;
  node?: string;
  /** Ready=True (kwok's pod-ready stage, as a kubelet would report it). */
  readyAt?: number;
  /** Our condition pxc-tls.dev/CertificatesVerified True / False. */
  verifiedAt?: number;
  notVerifiedAt?: number;
  deletedAt?: number;
}

const FIELDS = [
  '{.type}', '{.object.metadata.name}', '{.object.metadata.uid}', '{.object.spec.schedulingGates[*].name}', '{.object.spec.nodeName}',
  '{.object.status.conditions[?(@.type=="Ready")].status}', `{.object.status.conditions[?(@.type=="${CONDITION}")].status}`,
  '{.object.metadata.deletionTimestamp}',
];

export class PodTimeline {
  readonly byUid = new Map<string, PodLife>();
  private child: ChildProcess | undefined;
  private lines = 0;

  constructor(private readonly namespace: string) {}

  /** Starts the watch; resolves once it is connected (an initial empty list prints nothing, so a short wait). */
  async start(): Promise<void> {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfigPath(), 'get', 'pods', '-n', this.namespace, '-w', '--output-watch-events',
      '-o', `jsonpath=${FIELDS.join('|')}{"\\n"}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      const at = Date.now();
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.onLine(buf.slice(0, nl), at);
        buf = buf.slice(nl + 1);
      }
    });
    await sleep(1500);
  }

  stop(): void {
    this.child?.kill();
  }

  private onLine(line: string, at: number): void {
    const [type, name, uid, gates, node, ready, verified, deleting] = line.split('|');
    if (!uid || !name) return;
    this.lines++;
    let life = this.byUid.get(uid);
    if (!life) {
      life = { uid, name, seenAt: at, gatedWhenSeen: (gates ?? '').split(' ').includes(GATE) };
      this.byUid.set(uid, life);
    }
    if (!(gates ?? '').split(' ').includes(GATE) && life.ungatedAt === undefined) life.ungatedAt = at;
    if (node && life.boundAt === undefined) { life.boundAt = at; life.node = node; }
    if (ready === 'True' && life.readyAt === undefined) life.readyAt = at;
    if (verified === 'True' && life.verifiedAt === undefined) life.verifiedAt = at;
    if (verified === 'False' && life.notVerifiedAt === undefined) life.notVerifiedAt = at;
    if ((deleting || type === 'DELETED') && life.deletedAt === undefined) life.deletedAt = at;
  }

  /** The live (not deleted) life of each pod name, newest first when a name was reused. */
  current(name: string): PodLife | undefined {
    return [...this.byUid.values()].filter((l) => l.name === name && l.deletedAt === undefined).pop();
  }

  /** Waits until `pred` holds for the current life of every name. */
  async until(what: string, names: string[], pred: (l: PodLife) => boolean, timeoutMs = 180_000): Promise<PodLife[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const lives = names.map((n) => this.current(n));
      if (lives.every((l) => l && pred(l))) return lives as PodLife[];
      if (Date.now() > end) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${JSON.stringify(lives.map((l, i) => l ?? names[i]))}`);
      }
      await sleep(200);
    }
  }
}

/** Median and p99 (nearest rank), rounded ms. */
export function stats(values: number[]): { n: number; medianMs: number; p99Ms: number; maxMs: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, medianMs: Math.round(q(0.5)), p99Ms: Math.round(q(0.99)), maxMs: Math.round(s[s.length - 1] ?? NaN) };
}
