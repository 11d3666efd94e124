import type { Bucket } from './buckets.js';
import type { FaultWindow, RouteSpec } from './scenario-types.js';

export interface ChartInput {
  title: string;
  routes: readonly RouteSpec[];
  buckets: readonly Bucket[];
  durationMs: number;
  faultWindows: readonly FaultWindow[];
  /** Dashed reference lines: a route's weight share of the traffic. */
  shares: readonly { route: string; share: number }[];
  baselineP95Ms: number;
  /** The fault grows over its window (a rising error rate): the band is drawn as a gradient. */
  risingFault: boolean;
}

const WIDTH = 470;
const LEFT = 46;
const RIGHT = 12;
const SHARE_TOP = 38;
const SHARE_HEIGHT = 150;
const LATENCY_TOP = SHARE_TOP + SHARE_HEIGHT + 22;
const LATENCY_HEIGHT = 60;
const HEIGHT = LATENCY_TOP + LATENCY_HEIGHT + 30;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const ROUTE_COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b'];
const ERROR_COLOUR = '#d62728';
const LATENCY_COLOUR = '#444444';
const FAULT_FILL = '#fdae6b';
const GRID = '#e3e3e3';
const NICE_LATENCY_MAXIMA = [50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 20000];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${round(x)}" y="${round(y)}"${attributes === '' ? '' : ` ${attributes}`}>${escapeXml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" stroke="${stroke}"${extra === '' ? '' : ` ${extra}`}/>`;
}

function polyline(points: readonly [number, number][], stroke: string, width = 1.6): string {
  if (points.length === 0) return '';
  const path = points.map(([x, y]) => `${round(x)},${round(y)}`).join(' ');
  return `<polyline points="${path}" fill="none" stroke="${stroke}" stroke-width="${width}" stroke-linejoin="round"/>`;
}

class Axes {
  constructor(
    private readonly durationMs: number,
    readonly shareMaximum: number,
    readonly latencyMaximum: number,
  ) {}

  x(ms: number): number {
    return LEFT + (PLOT_WIDTH * ms) / this.durationMs;
  }

  shareY(fraction: number): number {
    return SHARE_TOP + SHARE_HEIGHT * (1 - Math.min(fraction, this.shareMaximum) / this.shareMaximum);
  }

  latencyY(ms: number): number {
    return LATENCY_TOP + LATENCY_HEIGHT * (1 - Math.min(ms, this.latencyMaximum) / this.latencyMaximum);
  }
}

/** 100 %, or more in steps of 25 % when retries send a route more attempts than there were requests. */
function shareMaximumOf(buckets: readonly Bucket[]): number {
  let maximum = 1;
  for (const bucket of buckets) {
    if (bucket.requests === 0) continue;
    for (const attempts of Object.values(bucket.attempts)) maximum = Math.max(maximum, attempts / bucket.requests);
  }
  return Math.min(2, Math.ceil(maximum * 4) / 4);
}

function latencyMaximumOf(buckets: readonly Bucket[], baselineP95Ms: number): number {
  let maximum = baselineP95Ms;
  for (const bucket of buckets) maximum = Math.max(maximum, bucket.p95Ms ?? 0);
  return NICE_LATENCY_MAXIMA.find((nice) => nice >= maximum) ?? Math.ceil(maximum / 10_000) * 10_000;
}

const RISING_GRADIENT_ID = 'rising-fault';

function faultBands(input: ChartInput, axes: Axes): string[] {
  const parts: string[] = [];
  if (input.risingFault) {
    parts.push(`<defs><linearGradient id="${RISING_GRADIENT_ID}"><stop offset="0" stop-color="${FAULT_FILL}" stop-opacity="0"/><stop offset="1" stop-color="${FAULT_FILL}" stop-opacity="0.6"/></linearGradient></defs>`);
  }
  const fill = input.risingFault ? `fill="url(#${RISING_GRADIENT_ID})"` : `fill="${FAULT_FILL}" fill-opacity="0.3"`;
  for (const window of input.faultWindows) {
    const x = axes.x(window.startMs);
    const width = Math.max(1, axes.x(window.endMs) - x);
    parts.push(`<rect x="${round(x)}" y="${SHARE_TOP}" width="${round(width)}" height="${LATENCY_TOP + LATENCY_HEIGHT - SHARE_TOP}" ${fill}/>`);
  }
  return parts;
}

function timeTicks(input: ChartInput, axes: Axes): string[] {
  const seconds = input.durationMs / 1000;
  const step = seconds > 12 ? 5 : seconds > 4 ? 1 : 0.5;
  const parts: string[] = [];
  for (let tick = 0; tick <= seconds + 1e-9; tick += step) {
    const x = axes.x(tick * 1000);
    parts.push(line(x, LATENCY_TOP + LATENCY_HEIGHT, x, LATENCY_TOP + LATENCY_HEIGHT + 4, '#888'), text(x, LATENCY_TOP + LATENCY_HEIGHT + 15, String(Number(tick.toFixed(1))), 'text-anchor="middle"'));
  }
  parts.push(text(WIDTH - RIGHT, HEIGHT - 4, 'time (s)', 'text-anchor="end" fill="#666"'));
  return parts;
}

function shareGrid(axes: Axes): string[] {
  const parts: string[] = [];
  for (let tick = 0; tick <= axes.shareMaximum + 1e-9; tick += 0.25) {
    const y = axes.shareY(tick);
    parts.push(line(LEFT, y, WIDTH - RIGHT, y, GRID), text(LEFT - 4, y + 3, `${Math.round(tick * 100)}%`, 'text-anchor="end"'));
  }
  return parts;
}

function latencyGrid(input: ChartInput, axes: Axes): string[] {
  const parts: string[] = [];
  for (const tick of [0, axes.latencyMaximum / 2, axes.latencyMaximum]) {
    const y = axes.latencyY(tick);
    parts.push(line(LEFT, y, WIDTH - RIGHT, y, GRID), text(LEFT - 4, y + 3, String(tick), 'text-anchor="end"'));
  }
  const baseline = axes.latencyY(input.baselineP95Ms);
  parts.push(line(LEFT, baseline, WIDTH - RIGHT, baseline, LATENCY_COLOUR, 'stroke-dasharray="3 3" stroke-opacity="0.6"'));
  parts.push(text(LEFT + 2, LATENCY_TOP - 4, 'client p95 latency per second (ms); dashed: baseline p95', 'fill="#444"'));
  return parts;
}

function bucketMiddle(bucket: Bucket): number {
  return (bucket.startMs + bucket.endMs) / 2;
}

function seriesLines(input: ChartInput, axes: Axes): string[] {
  const parts: string[] = [];
  input.routes.forEach((route, index) => {
    const points: [number, number][] = [];
    for (const bucket of input.buckets) if (bucket.requests > 0) points.push([axes.x(bucketMiddle(bucket)), axes.shareY((bucket.attempts[route.id] ?? 0) / bucket.requests)]);
    parts.push(polyline(points, ROUTE_COLOURS[index % ROUTE_COLOURS.length]!));
  });
  const errors: [number, number][] = [];
  const latency: [number, number][] = [];
  for (const bucket of input.buckets) {
    if (bucket.requests > 0) errors.push([axes.x(bucketMiddle(bucket)), axes.shareY(bucket.clientErrors / bucket.requests)]);
    if (bucket.p95Ms !== null) latency.push([axes.x(bucketMiddle(bucket)), axes.latencyY(bucket.p95Ms)]);
  }
  parts.push(polyline(errors, ERROR_COLOUR, 1.4), polyline(latency, LATENCY_COLOUR, 1.4));
  return parts;
}

function shareReferences(input: ChartInput, axes: Axes): string[] {
  return input.shares.map(({ route, share }) => {
    const index = Math.max(0, input.routes.findIndex((candidate) => candidate.id === route));
    const y = axes.shareY(share);
    return line(LEFT, y, WIDTH - RIGHT, y, ROUTE_COLOURS[index % ROUTE_COLOURS.length]!, 'stroke-dasharray="5 4" stroke-opacity="0.7"');
  });
}

function legend(input: ChartInput): string[] {
  const entries: { label: string; colour: string }[] = input.routes.map((route, index) => ({ label: route.label, colour: ROUTE_COLOURS[index % ROUTE_COLOURS.length]! }));
  entries.push({ label: 'client errors', colour: ERROR_COLOUR });
  const parts: string[] = [];
  let x = LEFT;
  for (const entry of entries) {
    parts.push(line(x, 25, x + 14, 25, entry.colour, 'stroke-width="2.5"'), text(x + 18, 28, entry.label));
    x += 26 + entry.label.length * 5.6;
  }
  parts.push(`<rect x="${round(x)}" y="20" width="14" height="10" fill="${FAULT_FILL}" fill-opacity="0.5"/>`, text(x + 18, 28, 'fault'));
  return parts;
}

/**
 * One run as a hand-written SVG: upstream attempts per route and client errors, each as a share
 * of the requests sent in that second (dashed: the failing route's weight share), over the
 * client p95 latency per second; fault windows shaded.
 */
export function renderChart(input: ChartInput): string {
  const axes = new Axes(input.durationMs, shareMaximumOf(input.buckets), latencyMaximumOf(input.buckets, input.baselineP95Ms));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="10">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(LEFT, 12, input.title, 'font-weight="bold" font-size="11"'),
    ...faultBands(input, axes),
    ...shareGrid(axes),
    ...latencyGrid(input, axes),
    ...shareReferences(input, axes),
    ...seriesLines(input, axes),
    ...legend(input),
    ...timeTicks(input, axes),
    '</svg>',
  ];
  return parts.filter((part) => part !== '').join('\n');
}
