/**
 * KubeDB's PerconaXtraDB CRD schema (v1 and v1alpha2) in compact form, derived from the CRD by
 * scripts/derive-crd-schema.cjs into perconaxtradb-schema.generated.ts. The format:
 *   - a type code: `s` string, `i` integer, `n` number, `b` boolean, `x` int-or-string,
 *     `q` Kubernetes quantity (an integer, or a string in quantity syntax), `*` anything;
 *   - or an index into `table`, whose entry is one of
 *       `{o: {field: node}, r: [required fields], m: node}`  an object; without `m` it is closed
 *                                                             (no other field), with `m` any other
 *                                                             key maps to a value of node `m`;
 *       `{l: node}`                                            a list of node;
 *       `{e: [values]}`                                        a string, one of values.
 */
import { PERCONA_XTRADB_SCHEMA_JSON } from './perconaxtradb-schema.generated';

export type SchemaRef = string | number;
export type SchemaEntry =
  | { o?: Readonly<Record<string, SchemaRef>>; r?: readonly string[]; m?: SchemaRef }
  | { l: SchemaRef }
  | { e: readonly string[] };

export interface CompactSchema {
  readonly roots: Readonly<Record<string, SchemaRef>>;
  readonly table: readonly SchemaEntry[];
}

let parsed: CompactSchema | undefined;

/** The schema, parsed on first use (a run without databases never pays for it). */
export function perconaXtraDBSchema(): CompactSchema {
  parsed ??= JSON.parse(PERCONA_XTRADB_SCHEMA_JSON) as CompactSchema;
  return parsed;
}

/** `^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`: the CRD's pattern for resource.Quantity. */
export const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
