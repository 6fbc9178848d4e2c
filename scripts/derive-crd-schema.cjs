// Derives the compact schema pxc-tls validates PerconaXtraDB objects against from KubeDB's CRD
// (../shared/reference/kubedb/crds/kubedb.com_perconaxtradbs.yaml, versions v1 and v1alpha2) and
// writes src/model/perconaxtradb-schema.generated.ts. Run: `node scripts/derive-crd-schema.cjs`
// (optionally with the CRD's path). src/model/perconaxtradb-schema.test.ts checks that the committed
// file is what this script derives now.
//
// What is kept: the structure (properties, which objects are closed, maps, lists), the value types,
// `required` (less the fields with a default), `enum` and Kubernetes quantities; descriptions, defaults and formats are dropped.
// Sub-schemas repeat a lot in the CRD (container, probe, affinity term…), so each distinct node is
// stored once in a table and referred to by its index.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const VERSIONS = ['v1', 'v1alpha2'];
const OUTPUT = join(__dirname, '../src/model/perconaxtradb-schema.generated.ts');
const CRD_NAME = 'kubedb.com_perconaxtradbs.yaml';
/** The regular expression of a Kubernetes resource.Quantity, as controller-gen writes it. */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

function isIntOrString(node) {
  if (node['x-kubernetes-int-or-string']) return true;
  const any = node.anyOf;
  return Array.isArray(any) && any.length === 2 && any.some((a) => a.type === 'integer') && any.some((a) => a.type === 'string');
}

/**
 * One CRD schema node → a compact one. A compact node is a type code (`s` string, `i` integer,
 * `n` number, `b` boolean, `x` int-or-string, `q` quantity, `*` anything) or an object:
 * `{o: {field: ref}, r: [required], m: ref}` for objects (`m`: the value of any other key; without
 * `m` the object is closed), `{l: ref}` for lists, `{e: [values]}` for enumerations of strings.
 */
function compact(node, table, index) {
  let value;
  if (isIntOrString(node)) value = node.pattern === QUANTITY_PATTERN ? 'q' : 'x';
  else if (node['x-kubernetes-preserve-unknown-fields'] && !node.properties) value = '*';
  else if (node.type === 'object' || node.properties || node.additionalProperties) {
    value = {};
    if (node.properties) {
      value.o = {};
      for (const key of Object.keys(node.properties).sort()) value.o[key] = compact(node.properties[key], table, index);
    }
    // A required field with a default is filled by the API server before it validates.
    const required = (node.required ?? []).filter((key) => node.properties?.[key]?.default === undefined);
    if (required.length > 0) value.r = [...required].sort();
    if (node.additionalProperties === true || node['x-kubernetes-preserve-unknown-fields']) value.m = '*';
    else if (node.additionalProperties && typeof node.additionalProperties === 'object') value.m = compact(node.additionalProperties, table, index);
    else if (!node.properties) value.m = '*'; // `type: object` alone: any map
  } else if (node.type === 'array') value = { l: node.items ? compact(node.items, table, index) : '*' };
  else if (node.type === 'string') value = Array.isArray(node.enum) ? { e: node.enum.map(String) } : 's';
  else if (node.type === 'integer') value = 'i';
  else if (node.type === 'number') value = 'n';
  else if (node.type === 'boolean') value = 'b';
  else value = '*';
  if (typeof value === 'string') return value;
  const key = JSON.stringify(value);
  let at = index.get(key);
  if (at === undefined) {
    at = table.length;
    table.push(value);
    index.set(key, at);
  }
  return at;
}

/** The compact schema of both versions: `{table, roots: {v1: ref, v1alpha2: ref}}`. */
function deriveSchema(crdText) {
  const { load } = require('js-yaml');
  const crd = load(crdText);
  const table = [];
  const index = new Map();
  const roots = {};
  for (const name of VERSIONS) {
    const version = crd.spec.versions.find((v) => v.name === name);
    if (!version) throw new Error(`the CRD has no version ${name}`);
    const schema = version.schema.openAPIV3Schema;
    // metadata is the API server's ObjectMeta (the CRD lists only name); status is the operator's.
    const properties = { ...schema.properties, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { 'x-kubernetes-preserve-unknown-fields': true } };
    roots[name] = compact({ ...schema, type: 'object', properties }, table, index);
  }
  return { table, roots };
}

/** The generated module's text: a JSON string, parsed once when the first database is validated. */
function renderModule(schema, crdLabel) {
  // One table entry per line, so a change of the CRD shows as a readable diff.
  const json = `{"roots":${JSON.stringify(schema.roots)},"table":[\n${schema.table.map((node) => JSON.stringify(node)).join(',\n')}\n]}`;
  const literal = json.replace(/[\\`]|\$\{/g, (m) => `\\${m}`);
  return [
    `// GENERATED by scripts/derive-crd-schema.cjs from ${crdLabel} — do not edit.`,
    '// The structure, value types, required fields and enumerations of KubeDB\'s PerconaXtraDB CRD',
    '// (versions v1 and v1alpha2); src/model/perconaxtradb-schema.ts reads it (the format is described',
    '// there). A JSON text, parsed only when the first database is validated.',
    `export const PERCONA_XTRADB_SCHEMA_JSON = \`${literal}\`;`,
    '',
  ].join('\n');
}

const CRD_LABEL = `shared/reference/kubedb/crds/${CRD_NAME}`;

function derivedModule(crdPath) {
  return renderModule(deriveSchema(readFileSync(crdPath, 'utf8')), CRD_LABEL);
}

module.exports = { deriveSchema, renderModule, derivedModule, OUTPUT, CRD_NAME, QUANTITY_PATTERN };

if (require.main === module) {
  let crdPath = process.argv[2];
  if (!crdPath) {
    // The same search as src/test-support/shared-reference.ts: `shared/reference/kubedb` above the repository.
    const override = process.env.PXC_TLS_SHARED_DIR;
    let dir = resolve(__dirname, '..');
    if (override) crdPath = join(override, 'reference/kubedb/crds', CRD_NAME);
    else {
      for (;;) {
        const candidate = join(dir, 'shared/reference/kubedb/crds', CRD_NAME);
        try {
          readFileSync(candidate);
          crdPath = candidate;
          break;
        } catch {}
        const up = resolve(dir, '..');
        if (up === dir) throw new Error(`${CRD_NAME} not found above the repository; pass its path`);
        dir = up;
      }
    }
  }
  const text = derivedModule(crdPath);
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${relative(process.cwd(), OUTPUT)} (${text.length} bytes) from ${crdPath}\n`);
}
