// The Grafana JSON Schemas (draft-07) published by grafana-foundation-sdk, vendored in
// test/dashboards/schemas/ (source, version and licence in its README), compiled with ajv.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { REPO_ROOT } from '../../support/processes.js';

export const SCHEMA_DIR = resolve(REPO_ROOT, 'test', 'dashboards', 'schemas');

type JsonObject = Record<string, any>;

function load(name: string): JsonObject {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.jsonschema.json`), 'utf8')) as JsonObject;
}

/**
 * Known mismatches, relaxed narrowly (test/dashboards/schemas/README.md):
 *
 * 1. MatcherConfig.options: the schema asks for an object, but Grafana and the SDK's
 *    overrideByName()/overrideByRegexp() write the matched name or pattern as a string (the
 *    xychart schema carries its own copy of MatcherConfig). Relaxed to "any value".
 *
 * 2. DynamicConfigValue.value (one override property): the schema asks for an object, but Grafana's
 *    own model types it `any` (the SDK declares `value?: any`), and per-column units, decimals,
 *    value mappings and links (arrays, strings, numbers) can only be set this way. Relaxed here,
 *    and each override value is instead validated against the schema of the field-config property
 *    it sets (see overrideValidator), which is stricter than the published rule.
 */
function relax(schema: JsonObject): JsonObject {
  const defs = schema.definitions ?? {};
  if (defs.MatcherConfig?.properties?.options) defs.MatcherConfig.properties.options = {};
  if (defs.DynamicConfigValue?.properties?.value) defs.DynamicConfigValue.properties.value = {};
  return schema;
}

export class GrafanaSchemas {
  // validateSchema: false skips only the meta-schema check of the schema files themselves:
  // common.jsonschema.json's ScaleDirection enum repeats values (Up = Right = 1), which draft-07's
  // "uniqueItems" on enum rejects. Validation of our dashboards is unaffected.
  readonly ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, validateFormats: false });
  readonly panelTypes: string[];
  readonly units: Set<string>;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly raw = new Map<string, JsonObject>();

  constructor() {
    const names = readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith('.jsonschema.json'))
      .map((f) => f.replace('.jsonschema.json', ''));
    for (const n of names) {
      const s = relax(load(n));
      this.raw.set(n, s);
      this.ajv.addSchema(s, n);
    }
    this.panelTypes = names.filter((n) => this.raw.get(n)!.definitions?.Options);
    // Every unit id the schema enumerates as a const (units.jsonschema.json).
    this.units = new Set(
      Object.values(this.raw.get('units')!.definitions as Record<string, JsonObject>)
        .map((d) => d.const)
        .filter((c): c is string => typeof c === 'string'),
    );
  }

  validator(ref: string): ValidateFunction {
    const cached = this.cache.get(ref);
    if (cached) return cached;
    const v = this.ajv.compile({ $ref: ref });
    this.cache.set(ref, v);
    return v;
  }

  /** Schema file for a panel type: Grafana's ids have dashes the file names drop (status-history). */
  panelSchema(type: string): string | undefined {
    const name = type.replace(/-/g, '');
    return this.panelTypes.includes(name) ? name : undefined;
  }

  has(name: string, definition: string): boolean {
    return Boolean(this.raw.get(name)?.definitions?.[definition]);
  }

  /** The schema ref for a panel type's field-config `custom` block (table's is a $ref to TableFieldOptions). */
  customRef(panelType: string): string | undefined {
    const fc = this.raw.get(panelType)?.definitions?.FieldConfig as JsonObject | undefined;
    if (!fc) return undefined;
    return typeof fc.$ref === 'string' ? `${panelType}${fc.$ref}` : `${panelType}#/definitions/FieldConfig`;
  }

  /**
   * Validates one override property against what it sets: `custom.x` against the panel's field
   * config property x, anything else against the dashboard FieldConfig property of that name.
   */
  overrideValidator(panelType: string, id: string): ValidateFunction | string {
    if (id.startsWith('custom.')) {
      const ref = this.customRef(panelType);
      if (!ref) return `panel type ${panelType} has no custom field config`;
      const target = this.resolve(ref);
      const prop = id.slice('custom.'.length);
      if (!target?.properties?.[prop]) return `${panelType} field config has no "${prop}"`;
      return this.validator(`${ref}/properties/${prop}`);
    }
    const fieldConfig = this.raw.get('dashboard')!.definitions.FieldConfig as JsonObject;
    if (!fieldConfig.properties[id]) return `FieldConfig has no property "${id}"`;
    return this.validator(`dashboard#/definitions/FieldConfig/properties/${id}`);
  }

  private resolve(ref: string): JsonObject | undefined {
    const [name, pointer] = ref.split('#');
    let node: any = this.raw.get(name);
    for (const part of pointer.split('/').filter(Boolean)) node = node?.[part];
    return node;
  }
}

export function errorsText(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n');
}
