// ============================================================================================
// ISSUE 11 CONTRACT STAND-IN — the ONE place where the proof's database pod is not the render's.
//
// Today's render (src/render/statefulset.ts) is not yet KubeDB's start-up contract: the database
// container has no command (the image's own entrypoint would run), px-init mounts no data, and the
// closed px-coordinator sits where pxc-tls's agent will. Issue 11 changes the render to the shape
// below. Until it lands, this function reshapes the RENDERED StatefulSet's pod template into it;
// every other field (env, volumes, mounts, TLS args, security contexts, labels) is the render's.
// When the render emits the contract: delete this file and use the rendered StatefulSet as is.
// ============================================================================================
import type { KubeObject } from './api';
import { CERT_MOUNT_ROOT, CONTAINER, MOUNT, VOLUME } from '../../src/model/kubedb';
import { SERVED_TLS_MOUNT, SERVED_TLS_VOLUME, TRUST_MOUNT, TRUST_VOLUME } from '../../src/model/project';

/** Agreed across helpers (PREAMBLE): the agent's container name and port; src/model/project.ts will hold them. */
export const AGENT_CONTAINER = 'pxc-tls-agent';
export const AGENT_PORT = 9608;

export interface Issue11Options {
  /** The pxc-tls image (function config in issue 11); any `…/pxc-tls:<tag>` runs the repository's dist/. */
  agentImage: string;
  /** The agent container's command. Default: `pxc-tls agent` (the image's entrypoint + `agent`). The
   * hand-coordinator proof passes an idle command: the agent does not exist yet. */
  agentCommand?: string[];
  /** A readiness probe for the database container (issue 11 item 3 renders the real one). */
  dbReadinessProbe?: Record<string, unknown>;
}

/**
 * THE AGENT'S STAND-IN for its start: where an idle command replaces the agent, the container first
 * copies the server Secret as mounted into the served leaf (tls.crt, tls.key) and the trust bundle
 * (ca.crt) that mysqld and Galera load (src/model/project.ts) — as the agent does, but WITHOUT its
 * checks — each file under a temporary name, then renamed. Then it runs the idle command.
 */
export function agentStandInCommand(idle: string[]): string[] {
  const server = `${CERT_MOUNT_ROOT}/server`;
  const copy = (file: string, to: string) => `cp ${server}/${file} ${to}/.${file}.stand-in && mv ${to}/.${file}.stand-in ${to}/${file}`;
  const script = [copy('tls.crt', SERVED_TLS_MOUNT), copy('tls.key', SERVED_TLS_MOUNT), copy('ca.crt', TRUST_MOUNT), 'exec "$@"'].join(' && ');
  return ['sh', '-c', script, 'agent-stand-in', ...idle];
}

/** A copy of the rendered StatefulSet whose pod template follows KubeDB's start-up contract (issue 11). */
export function issue11StatefulSet(rendered: KubeObject, opts: Issue11Options): KubeObject {
  const sts = structuredClone(rendered);
  const spec = sts.spec.template.spec;
  const db = spec.containers.find((c: any) => c.name === CONTAINER.db);
  if (!db) throw new Error(`rendered StatefulSet has no ${CONTAINER.db} container`);
  // The render emits the contract (issue 11 landed: the agent in the coordinator's place): the
  // rendered template as is, but for what a proof without the agent asks — an idle agent (no port,
  // so no probes of its own) and a readiness probe of the proof's on the database container.
  const rendersAgent = spec.containers.findIndex((c: any) => c.name === AGENT_CONTAINER);
  if (rendersAgent >= 0) {
    if (opts.agentCommand) {
      const { readinessProbe: _r, livenessProbe: _l, startupProbe: _s, args: _a, ...agent } = spec.containers[rendersAgent];
      // No agent to write the copies mysqld loads: its stand-in does, before idling.
      const writesCopies = [SERVED_TLS_VOLUME, TRUST_VOLUME].every((v) => agent.volumeMounts?.some((m: any) => m.name === v));
      spec.containers[rendersAgent] = { ...agent, command: writesCopies ? agentStandInCommand(opts.agentCommand) : opts.agentCommand };
      if (opts.dbReadinessProbe) db.readinessProbe = opts.dbReadinessProbe;
    }
    return sts;
  }
  // kubedb-startup.md §3: command `/scripts/tini -g --`, args `/scripts/run.sh` + ONE joined string.
  const joined = (db.args ?? []).join(' ');
  db.command = ['/scripts/tini', '-g', '--'];
  db.args = ['/scripts/run.sh', ...(joined ? [joined] : [])];
  if (opts.dbReadinessProbe) db.readinessProbe = opts.dbReadinessProbe;

  // §2: px-init needs data (it removes lost+found) and init-scripts.
  const init = spec.initContainers.find((c: any) => c.name === CONTAINER.init);
  if (!init) throw new Error(`rendered StatefulSet has no ${CONTAINER.init} init container`);
  if (!init.volumeMounts.some((m: any) => m.name === VOLUME.data)) init.volumeMounts.unshift({ name: VOLUME.data, mountPath: MOUNT.data });

  // §10: px-coordinator's place, mounts and env go to pxc-tls's agent (plus the server certificate for its HTTPS port).
  const at = spec.containers.findIndex((c: any) => c.name === CONTAINER.coordinator);
  if (at < 0) throw new Error(`rendered StatefulSet has no ${CONTAINER.coordinator} container`);
  const coordinator = spec.containers[at];
  spec.containers[at] = {
    name: AGENT_CONTAINER,
    image: opts.agentImage,
    ...(opts.agentCommand ? { command: opts.agentCommand } : { args: ['agent'] }),
    env: coordinator.env,
    ports: [{ name: 'agent', containerPort: AGENT_PORT, protocol: 'TCP' }],
    volumeMounts: [...coordinator.volumeMounts, ...db.volumeMounts.filter((m: any) => m.name === VOLUME.serverTLS)],
    securityContext: coordinator.securityContext,
  };
  return sts;
}
