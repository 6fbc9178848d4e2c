/**
 * What the docs tests read from markdown: sections, fenced blocks, table rows, links and heading
 * anchors (GitHub's rule), and the README's commands — so a test can run the very text a reader
 * copies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './kpt-golden';

export const readme = (): string => readFileSync(join(REPO, 'README.md'), 'utf8');

/** The text under a `## heading`, up to the next heading of that level or higher. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line === `## ${heading}`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = lines.findIndex((line, i) => i > start && /^#{1,2} /.test(line) && !inFence(lines, i));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

function inFence(lines: readonly string[], index: number): boolean {
  return lines.slice(0, index).filter((line) => /^\s*```/.test(line)).length % 2 === 1;
}

/** The fenced code blocks of a text, each with its info string (`sh`, `yaml`, …). */
export function fencedBlocks(markdown: string): Array<{ info: string; body: string }> {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!, body: m[2]! }));
}

/** Markdown without its fenced blocks and inline code, so links are only real links. */
export function prose(markdown: string): string {
  return markdown.replace(/^\s*```[\s\S]*?^\s*```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Body rows of the tables in a text (each table's header and separator left out), as trimmed cells. */
export function tableRows(markdown: string): string[][] {
  const rows: string[][] = [];
  let line = 0;
  const lines = markdown.split('\n');
  while (line < lines.length) {
    if (!lines[line]!.startsWith('|')) {
      line += 1;
      continue;
    }
    line += 2; // the header and the |---| separator
    for (; line < lines.length && lines[line]!.startsWith('|'); line += 1) rows.push(lines[line]!.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows;
}

/** Inline code spans of a text, in order. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** The relative links of a markdown file: `[text](target)` outside code, without web and mail links. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const lines = markdown.split('\n');
  lines.forEach((line, i) => {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading || inFence(lines, i)) return;
    const base = heading[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  });
  return out;
}

/** The README's "one command each" table: the first command of each way to run pxc-tls. */
export function runCommands(): { kpt: string; kustomize: string; container: string } {
  const rows = tableRows(section(readme(), 'Run it'));
  const command = (way: RegExp): string => {
    const row = rows.find((cells) => way.test(cells[0]!));
    if (!row) throw new Error(`README "Run it" has no row for ${way}`);
    return codeSpans(row[1]!)[0]!;
  };
  return { kpt: command(/^kpt$/), kustomize: command(/^kustomize/), container: command(/container/) };
}
