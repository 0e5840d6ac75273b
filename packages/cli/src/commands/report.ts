import type { Command } from 'commander'
import { runReportCommand } from '@xenos/reporter'

/** `xenos report`: statistics, charts and report.md/report.html from a results file. */
export function reportCommand (program: Command): void {
  program.command('report')
    .description('summarise a results file: charts (PNG), summary.csv, report.md and a self-contained report.html')
    .requiredOption('--in <results.json>', 'results file written by `xenos experiment run` or `xenos paper`')
    .requiredOption('--out <dir>', 'directory to write the report into')
    .option('--figures <file>', 'figure specs (JSON); default: the paper\'s Figures 4-8')
    .option('--findings <file>', 'evaluated findings (JSON) to include')
    .action(async (opts: { in: string, out: string, figures?: string, findings?: string }) => {
      const argv = ['--in', opts.in, '--out', opts.out]
      if (opts.figures !== undefined) argv.push('--figures', opts.figures)
      if (opts.findings !== undefined) argv.push('--findings', opts.findings)
      await runReportCommand(argv)
    })
}
