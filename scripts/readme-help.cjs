// The text of `pxc-tls --help` (what `kpt fn doc` shows), cut from README.md the kpt-catalog way:
// the README marks its blocks with <!--mdtogo:Short-->, <!--mdtogo:Long--> and
// <!--mdtogo:Examples-->, each closed by <!--mdtogo-->. scripts/build.mjs bakes the result into
// the bundle, so the help cannot drift from the README; test/e2e/help.test.ts checks the build.
'use strict';

/** Every block of one kind, in README order, as trimmed markdown. */
function blocks(readme, kind) {
  const found = [];
  const re = new RegExp(`<!--mdtogo:${kind}-->\\n([\\s\\S]*?)<!--mdtogo-->`, 'g');
  for (const match of readme.matchAll(re)) found.push(match[1].trim());
  return found;
}

/** Markdown as terminal text: fenced code indented, headings as labels, no link or code marks. */
function toText(markdown) {
  const out = [];
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(line === '' ? '' : `    ${line}`);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`${heading[1]}:`);
      continue;
    }
    out.push(line.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/`([^`]+)`/g, '$1'));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+|\s+$/g, '');
}

function helpFromReadme(readme) {
  const short = blocks(readme, 'Short');
  const long = blocks(readme, 'Long');
  const examples = blocks(readme, 'Examples');
  if (short.length !== 1 || long.length === 0 || examples.length === 0) {
    throw new Error(`README.md needs one mdtogo:Short block and at least one mdtogo:Long and mdtogo:Examples block (found ${short.length}, ${long.length}, ${examples.length})`);
  }
  const parts = [`pxc-tls: ${toText(short[0])}`, ...long.map(toText), `Examples:\n\n${examples.map(toText).join('\n\n')}`];
  return `${parts.join('\n\n')}\n`;
}

module.exports = { blocks, helpFromReadme, toText };
