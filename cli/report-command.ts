// `argmin report <dir>`: attributes the folder like `argmin attribute`, then reports the saved run
// grouped by any of its dimensions, cut to a period of days, as a table, JSON or CSV, and as one
// self-contained HTML page with the spend flow and the budgets' burn-down.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  Store,
  type CostView,
  budgetBurns,
  runTimeline,
  FLOW_DIMENSIONS,
  renderReportHtml,
  groupsCsv,
  groupsTable,
  GROUP_DIMENSIONS,
  parseDay,
  parseGroupBy,
  queryReport,
} from '../attribution/index.js';
import { normalizeModelId } from '../connectors/index.js';
import { describeQuarantined, EXIT_QUARANTINED } from './attribute-command.js';
import { attributeForReport } from './report-run.js';

interface ReportOptions {
  groupBy: string;
  from?: string;
  to?: string;
  format: 'table' | 'json' | 'csv';
  cost: CostView;
  html?: string;
  databaseUrl?: string;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'attribute a folder, then report its spend grouped, by period, billed or estimated',
    )
    .argument('<dir>', 'folder of Kubernetes manifests: the cluster state and Argmin resources')
    .option(
      '-g, --group-by <dimensions>',
      `comma-separated, of ${GROUP_DIMENSIONS.join(', ')}`,
      'costCenter',
    )
    .option('--from <date>', 'first UTC day counted (YYYY-MM-DD)')
    .option('--to <date>', 'first UTC day no longer counted (YYYY-MM-DD), like a period end')
    .addOption(
      new Option('-f, --format <format>', 'report format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .addOption(
      new Option('--cost <view>', 'billed (the invoice) or effective (amortized)')
        .choices(['billed', 'effective'])
        .default('billed'),
    )
    .option('--html <file>', 'also write a self-contained HTML report to this file')
    .option(
      '--database-url <url>',
      'PostgreSQL to use instead of the embedded store',
      process.env.DATABASE_URL,
    )
    .action(async (dir: string, options: ReportOptions) => {
      const groupBy = parseGroupBy(options.groupBy);
      const from = options.from === undefined ? undefined : parseDay(options.from, '--from');
      const to = options.to === undefined ? undefined : parseDay(options.to, '--to');
      const store = await Store.open(options.databaseUrl || undefined);
      try {
        const run = await attributeForReport(dir, store, options.cost);
        const query = { runId: run.runId, from, to, normalizeModel: normalizeModelId };
        const report = await queryReport(store.sql, { ...query, groupBy });

        if (options.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (options.format === 'csv') process.stdout.write(groupsCsv(report));
        else process.stdout.write(groupsTable(report));

        if (options.html) {
          const [summary, flows, timeline] = await Promise.all([
            queryReport(store.sql, { ...query, groupBy: ['costCenter'] }),
            queryReport(store.sql, { ...query, groupBy: [...FLOW_DIMENSIONS] }),
            runTimeline(store.sql, run.runId),
          ]);
          const { costCenters } = run.manifests.state;
          const burns = budgetBurns(costCenters, timeline);
          await writeFile(options.html, renderReportHtml({ summary, flows, burns, costCenters }));
        }
        for (const q of run.quarantined) process.stderr.write(`${describeQuarantined(q)}\n`);
        if (run.quarantined.length > 0) {
          process.stderr.write(`argmin: ${run.quarantined.length} inputs quarantined\n`);
          process.exitCode = EXIT_QUARANTINED;
        }
      } finally {
        await store.close();
      }
    });
}
