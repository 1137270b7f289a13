// Where the report, export and usage API find Prometheus: a flag, else PROMETHEUS_URL. Shared so
// the three say the same thing when neither is set.

export const PROMETHEUS_URL_ENV = 'PROMETHEUS_URL';

export function prometheusUrl(flag: string | undefined, flagName: string): string {
  const url = flag ?? process.env[PROMETHEUS_URL_ENV];
  if (!url || url.trim() === '') throw new Error(`no Prometheus to read from: pass ${flagName} URL or set ${PROMETHEUS_URL_ENV}`);
  return url.trim();
}
