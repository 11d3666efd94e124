import type { LabResults } from './lab-results.js';
import { formatErrors, formatMoveOff, formatMs, formatPercent, formatRatio, formatRecovery, joinWindows, scenarioFigure } from './lab-results.js';

function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export const SUMMARY_HEADER = ['scenario', 'strategy', 'client errors', 'p50', 'p95', 'baseline p95', 'fault p95', '90 % off after', 'traffic in fault', '50 % back after', 'scenario figure'] as const;

/** One row per scenario × strategy, shared by the console and the markdown summary. */
export function summaryRows(lab: LabResults): string[][] {
  const rows: string[][] = [];
  for (const { scenario, results } of lab.scenarios) {
    for (const { strategy, figures } of results) {
      rows.push([
        `${scenario.number}. ${scenario.id}`,
        strategy,
        formatErrors(figures),
        formatMs(figures.p50Ms),
        formatMs(figures.p95Ms),
        formatMs(figures.baselineP95Ms),
        `${formatMs(figures.faultP95Ms)} (${formatRatio(figures.faultP95VsBaseline)})`,
        joinWindows(figures.windows, formatMoveOff),
        joinWindows(figures.windows, (window) => formatPercent(window.trafficDuringFault)),
        joinWindows(
          figures.windows.filter((window) => window.recovers),
          formatRecovery,
        ),
        scenarioFigure(figures),
      ]);
    }
  }
  return rows;
}

export function printSummary(lab: LabResults): void {
  console.log(`\nFault-scenario lab: ${lab.settings.requestsPerSecond} req/s, scale ${lab.settings.scale}, ${(lab.elapsedMs / 1000).toFixed(0)} s in all\n`);
  console.log(formatTable(SUMMARY_HEADER, summaryRows(lab)));
  for (const { scenario, results } of lab.scenarios) {
    for (const { strategy, run } of results) {
      if (run.gatewayExitedEarly) console.warn(`warning: ${scenario.id} × ${strategy}: the gateway process exited during the run`);
    }
  }
}
