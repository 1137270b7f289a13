// The catalog's shape. One YAML file holds providers, models, budgets, SLO targets, customer prices
// and currency; the exporter, the rule generator and the dashboards all read it through this schema.
import { z } from 'zod';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case slug: letters, digits, ".", "_" or "-"');
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');
const dollars = z.number().nonnegative();
const ratio = z.number().gt(0).lte(1);

/** Prices in dollars per million tokens. */
export const priceSchema = z.strictObject({
  input: dollars,
  output: dollars,
  cache_read: dollars.optional(),
  cache_write: dollars.optional(),
});

export const providerSchema = z.strictObject({
  slug,
  name: z.string().min(1),
  color: hexColor,
  status: z.enum(['active', 'beta', 'deprecated']),
  docs_url: z.url(),
  /** Provider id in @pydantic/genai-prices; omitted for self-hosted providers priced only by the catalog. */
  pricing_id: z.string().min(1).optional(),
});

/**
 * Which logged model ids a catalog model (or model budget) covers, instead of the default rule
 * (model-match.ts: the id itself, provider prefixes, dated snapshots): exact ids, or fully
 * anchored regexes in the subset RE2 and JavaScript share.
 */
export const matchSchema = z
  .array(
    z.union([
      z.string().min(1),
      z.strictObject({
        regex: z.string().min(1).refine((r) => {
          try {
            new RegExp(r);
            return true;
          } catch {
            return false;
          }
        }, 'a valid regular expression'),
      }),
    ]),
  )
  .min(1);

export const modelSchema = z.strictObject({
  id: z.string().min(1),
  provider: slug,
  name: z.string().min(1).optional(),
  family: z.string().min(1),
  context_window: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  deprecated: z.boolean().default(false),
  /** Overrides @pydantic/genai-prices; required for models it does not know. */
  prices: priceSchema.optional(),
  /** Logged ids this entry covers, replacing the default snapshot/prefix rule (docs/rules.md, "Budgets"). */
  match: matchSchema.optional(),
});

const budgetEntry = z.strictObject({ name: z.string().min(1), monthly_dollars: dollars });
/** A model budget covers the ids its name covers (model-match.ts), or those of its own `match:` list. */
const modelBudgetEntry = budgetEntry.extend({ match: matchSchema.optional() });

export const budgetsSchema = z.strictObject({
  /** Fraction of a budget at which warnings start (e.g. 0.8). */
  warning_ratio: ratio.default(0.8),
  total_monthly_dollars: dollars.optional(),
  teams: z.array(budgetEntry).default([]),
  providers: z.array(budgetEntry).default([]),
  models: z.array(modelBudgetEntry).default([]),
});

const sloTargets = z.strictObject({
  /** Success ratio objective, e.g. 0.999. */
  availability: ratio,
  /** p95 latency objective in seconds. */
  latency_p95_seconds: z.number().positive(),
  /**
   * Latency SLO: share of requests that must finish within latency_p95_seconds (0.95 keeps "p95 at
   * most latency_p95_seconds"); 1 - it is the latency error budget, so below 1.
   */
  latency_objective: z.number().gt(0).lt(1),
  /** Error-rate threshold (ratio), e.g. 0.01. */
  error_rate: ratio,
});

export const sloSchema = z.strictObject({
  /** SLO period in days for the error budget (e.g. 30). */
  period_days: z.number().int().positive().default(30),
  /** Targets of every provider; also the objective of providers seen in metrics but missing from the catalog. */
  global: sloTargets.extend({ latency_objective: sloTargets.shape.latency_objective.default(0.95) }),
  providers: z.record(slug, sloTargets.partial()).default({}),
  /**
   * Burn-rate alerts (availability and latency) stay quiet unless the provider served at least
   * this many requests in the long window of the condition they judge.
   */
  min_requests_per_window: z.number().int().nonnegative().default(10),
  /**
   * A circuit-breaker state (open or half-open) older than this without a state change counts as
   * unknown: it stops muting the provider's error and latency alerts and raises its own ticket.
   */
  breaker_stale_after_seconds: z.number().int().positive().default(1800),
});

export const customerPricingSchema = z.strictObject({
  /** Revenue = cost × (1 + markup) unless a model has its own customer price. */
  markup: z.number().min(0).default(0),
  models: z.record(z.string(), priceSchema).default({}),
});

export const currencySchema = z.strictObject({
  /** ISO 4217 code shown on dashboards and reports. Metrics stay in dollars. */
  display: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  /** Units of the display currency per US dollar. */
  usd_rate: z.number().positive(),
});

export const limitsSchema = z.strictObject({
  /** Distinct values each label may take before new values fold into "other". */
  label_values: z.record(z.string(), z.number().int().positive()).default({}),
  default_label_values: z.number().int().positive().default(200),
  /** Seconds within which a repeated request_id is counted once. */
  dedupe_window_seconds: z.number().int().positive().default(600),
});

/** One subject's caps; any subset, at least one. Tokens are input + output (cache and reasoning included). */
const usageCapShape = {
  daily_dollars: z.number().positive().optional(),
  monthly_dollars: z.number().positive().optional(),
  daily_tokens: z.number().int().positive().optional(),
  monthly_tokens: z.number().int().positive().optional(),
};
const hasCap = (c: Record<string, unknown>) => Object.keys(usageCapShape).some((k) => c[k] !== undefined);
const CAP_NEEDED = 'at least one of daily_dollars, monthly_dollars, daily_tokens, monthly_tokens';
export const usageCapSchema = z.strictObject(usageCapShape).refine(hasCap, CAP_NEEDED);
/**
 * A named subject: its keyed pseudonym (`tokenscope pseudonym <id>`), or an id pseudonymised at
 * load with the exporter's hash key (fine for API key ids; user ids belong in git as pseudonyms).
 */
export const usageSubjectSchema = z
  .strictObject({ ...usageCapShape, pseudonym: z.string().regex(/^[0-9a-f]{16}$/, 'a 16-character pseudonym (tokenscope pseudonym <id>)').optional(), id: z.string().min(1).optional() })
  .refine(hasCap, CAP_NEEDED)
  .refine((s) => (s.pseudonym === undefined) !== (s.id === undefined), 'exactly one of pseudonym or id');

/** Per-user and per-API-key usage limits (exporter/src/limits, docs/limits.md); days and months in UTC. */
export const usageLimitsSchema = z.strictObject({
  /** Fraction of a limit at which a subject is "near" it and warnings start. */
  warning_ratio: ratio.default(0.8),
  users: z
    .strictObject({
      default: usageCapSchema.optional(),
      /** Caps of users whose requests carry this team (a user entry wins). */
      teams: z.record(z.string().min(1), usageCapSchema).default({}),
      subjects: z.array(usageSubjectSchema).default([]),
    })
    .default({ teams: {}, subjects: [] }),
  api_keys: z.strictObject({ default: usageCapSchema.optional(), keys: z.array(usageSubjectSchema).default([]) }).default({ keys: [] }),
});

/** A PromQL label matcher list (`job="tokenscope", namespace=~"llm-.*"`), as written inside `{}`. */
const labelMatchers = z
  .string()
  .regex(
    /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\\n]|\\.)*"\s*)*$/,
    'PromQL label matchers such as job="tokenscope"',
  );
/** An http(s) URL without a trailing "/" and without characters a Go template or YAML would mangle. */
const baseUrl = z.string().regex(/^https?:\/\/[^\s"'{}<>]*[^\s"'{}<>/]$/, 'an http(s) URL without a trailing "/"');

/**
 * Settings of the generated monitoring (docs/rules.md, "Monitoring settings"): the scrape job the
 * Prometheus configs give the exporter, how the exporter-health rules select it, and the links in
 * alerts and notifications.
 */
export const monitoringSchema = z.strictObject({
  /** job_name of the exporter in the generated Prometheus configs. */
  exporter_job: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.-]*$/, 'a job name: letters, digits, "_", "." or "-"').default('tokenscope'),
  /** Matchers selecting the exporter's targets in the exporter-health rules; default job="<exporter_job>". */
  exporter_selector: labelMatchers.optional(),
  /** Runbook document; every alert's runbook_url is this plus "#" and the alert name in lower case. */
  runbook_url: baseUrl.default('https://github.com/tokenscope/tokenscope/blob/main/docs/runbooks.md'),
  /** Grafana's external URL, for the dashboard links in Alertmanager notifications. */
  grafana_url: baseUrl.default('http://localhost:3000'),
});

export const catalogSchema = z.strictObject({
  version: z.literal(1),
  providers: z.array(providerSchema).min(1),
  models: z.array(modelSchema).default([]),
  budgets: budgetsSchema.default({ warning_ratio: 0.8, teams: [], providers: [], models: [] }),
  slo: sloSchema,
  customer_pricing: customerPricingSchema.optional(),
  currency: currencySchema.default({ display: 'USD', usd_rate: 1 }),
  monitoring: monitoringSchema.prefault({}),
  limits: limitsSchema.default({ label_values: {}, default_label_values: 200, dedupe_window_seconds: 600 }),
  usage_limits: usageLimitsSchema.default({ warning_ratio: 0.8, users: { teams: {}, subjects: [] }, api_keys: { keys: [] } }),
  /** Thresholds the rules and dashboards share. */
  thresholds: z
    .strictObject({
      /** Cost spike: this hour's spend over the same hour last week. */
      cost_spike_ratio: z.number().gt(1).default(2),
      /** Minimum hourly spend (dollars) before a spike counts. */
      cost_spike_min_dollars_per_hour: dollars.default(1),
      /** Model error ratio above which a model is "with issues". */
      model_error_ratio: ratio.default(0.05),
      /** Rejected lines over all lines that alerts on. */
      reject_ratio: ratio.default(0.05),
    })
    .default({ cost_spike_ratio: 2, cost_spike_min_dollars_per_hour: 1, model_error_ratio: 0.05, reject_ratio: 0.05 }),
});

export type CatalogInput = z.input<typeof catalogSchema>;
export type Catalog = z.output<typeof catalogSchema>;
export type ProviderEntry = z.output<typeof providerSchema>;
export type ModelEntry = z.output<typeof modelSchema>;
export type Prices = z.output<typeof priceSchema>;
export type SloTargets = z.output<typeof sloSchema>['global'];
export type MonitoringSettings = z.output<typeof monitoringSchema>;
