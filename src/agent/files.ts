/**
 * The contract's files on disk: what the agent observes (its round file, peer-list, the two
 * /run-script scripts, /scripts/seqno, the data directory and grastate.dat) and how it writes
 * (each file whole: written beside its place under a dot-name run.sh's `rm -rf /run-script/*`
 * does not match, then renamed — on-start.sh never runs half a script). The scripts it writes are
 * byte-for-byte copies of the init image's own, read from /scripts where px-init put them.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_FILE, GRASTATE_FILE, SYSTEM_SCHEMA_DIR, type PreRunScript, type RunScript } from '../model/kubedb';
import { classifyDataDir, parseGrastate } from './datadir';
import type { Action, FileObservation, RoundFile } from './member';

/** In /run-script beside the scripts, so run.sh's cleanup deletes it with them (see member.ts). */
export const ROUND_FILE = 'pxc-tls-round';

export interface ContractPaths {
  /** /scripts (init-scripts): the init image's scripts, peer-list, seqno. */
  scripts: string;
  /** /run-script (run-script): the two scripts on-start.sh runs, and our round file. */
  runScript: string;
  /** /var/lib/mysql (data). */
  data: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function parseRoundFile(text: string | undefined): RoundFile | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as RoundFile;
    return typeof value?.round === 'string' ? value : undefined;
  } catch {
    return undefined; // torn or foreign: a new round
  }
}

export class ContractFiles {
  constructor(readonly paths: ContractPaths) {}

  observe(): FileObservation {
    const { scripts, runScript, data } = this.paths;
    let entries: string[] = [];
    let systemSchemaIsDirectory = false;
    try {
      entries = readdirSync(data);
      systemSchemaIsDirectory = entries.includes(SYSTEM_SCHEMA_DIR) && statSync(join(data, SYSTEM_SCHEMA_DIR)).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const grastateText = readText(join(data, GRASTATE_FILE));
    const observation: FileObservation = {
      peerList: exists(join(scripts, CONTRACT_FILE.peerList)),
      preRun: exists(join(runScript, CONTRACT_FILE.preRun)),
      runOnPresent: exists(join(runScript, CONTRACT_FILE.runOnPresent)),
      dataDir: classifyDataDir({ entries, systemSchemaIsDirectory }),
    };
    const roundFile = parseRoundFile(readText(join(runScript, ROUND_FILE)));
    if (roundFile) observation.roundFile = roundFile;
    const seqnoText = readText(join(scripts, CONTRACT_FILE.seqno));
    if (seqnoText !== undefined) observation.seqnoText = seqnoText;
    const grastate = grastateText === undefined ? undefined : parseGrastate(grastateText);
    if (grastate) observation.grastate = grastate;
    return observation;
  }

  /** Performs one of the member's actions; `peerHosts` is what peer-list holds. */
  perform(action: Action, peerHosts: readonly string[]): void {
    const { scripts, runScript } = this.paths;
    switch (action.kind) {
      case 'write-round-file':
        return this.writeWhole(runScript, ROUND_FILE, `${JSON.stringify(action.file)}\n`, 0o644);
      case 'delete-seqno':
        return rmSync(join(scripts, CONTRACT_FILE.seqno), { force: true });
      case 'write-peer-list':
        // One line, comma-separated hosts, no gcomm:// and no port (startup §5); Galera's default port 4567.
        return this.writeWhole(scripts, CONTRACT_FILE.peerList, `${peerHosts.join(',')}\n`, 0o644);
      case 'write-pre-run':
        return this.copyScript(action.script, CONTRACT_FILE.preRun);
      case 'write-run-on-present':
        return this.copyScript(action.script, CONTRACT_FILE.runOnPresent);
    }
  }

  private copyScript(script: PreRunScript | RunScript, as: string): void {
    this.writeWhole(this.paths.runScript, as, readFileSync(join(this.paths.scripts, script)), 0o755);
  }

  private writeWhole(dir: string, name: string, content: string | Buffer, mode: number): void {
    const temporary = join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(temporary, content, { mode });
    renameSync(temporary, join(dir, name));
  }
}
