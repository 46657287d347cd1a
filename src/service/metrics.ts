// A minimal Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
// format 0.0.4. Hand-written rather than prom-client: conflag exports a dozen series, and a per-service registry
// (no global state) lets tests run several runners in one process.

type Labels = Record<string, string>;

interface Series {
  render(): string[];
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export class Registry {
  readonly #metrics: Array<{ name: string; help: string; type: string; series: Series }> = [];
  readonly #collectors: Array<() => Promise<void>> = [];

  counter(name: string, help: string): Counter {
    const values = new Map<string, number>();
    this.#add(name, help, 'counter', { render: () => [...values].map(([key, v]) => `${name}${key} ${formatNumber(v)}`) });
    return {
      inc: (labels = {}, by = 1) => void values.set(labelText(labels), (values.get(labelText(labels)) ?? 0) + by),
      get: (labels = {}) => values.get(labelText(labels)) ?? 0,
    };
  }

  gauge(name: string, help: string): Gauge {
    const values = new Map<string, number>();
    this.#add(name, help, 'gauge', { render: () => [...values].map(([key, v]) => `${name}${key} ${formatNumber(v)}`) });
    return { set: (value, labels = {}) => void values.set(labelText(labels), value) };
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const bounds = [...buckets].sort((a, b) => a - b);
    const data = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
    this.#add(name, help, 'histogram', {
      render: () =>
        [...data.values()].flatMap(({ labels, counts, sum, count }) => [
          ...bounds.map((le, i) => `${name}_bucket${labelText({ ...labels, le: formatNumber(le) })} ${counts[i]}`),
          `${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`,
          `${name}_sum${labelText(labels)} ${formatNumber(sum)}`,
          `${name}_count${labelText(labels)} ${count}`,
        ]),
    });
    return {
      observe: (value, labels = {}) => {
        const key = labelText(labels);
        let entry = data.get(key);
        if (!entry) data.set(key, (entry = { labels, counts: bounds.map(() => 0), sum: 0, count: 0 }));
        bounds.forEach((le, i) => {
          if (value <= le) entry.counts[i]++;
        });
        entry.sum += value;
        entry.count++;
      },
    };
  }

  /** Runs before each scrape, to set gauges read from the database. A failing collector is reported, not fatal. */
  collect(collector: () => Promise<void>): void {
    this.#collectors.push(collector);
  }

  async render(): Promise<string> {
    await Promise.allSettled(this.#collectors.map((c) => c()));
    const lines: string[] = [];
    for (const m of this.#metrics) {
      lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`, ...m.series.render());
    }
    return lines.join('\n') + '\n';
  }

  #add(name: string, help: string, type: string, series: Series) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name ${name}`);
    this.#metrics.push({ name, help, type, series });
  }
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
