/**
 * The command line, declared with commander: options, defaults, choices and help come from one declaration, and
 * commander's parsing handles what hand-written parsers get wrong (--opt=value, -- , repeated options, help).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { annexExportCommand, annexImportCommand } from './commands/annex.js';
import { completenessCommand } from './commands/completeness.js';
import { pushCommand } from './commands/push.js';
import { valuesPullCommand } from './commands/values.js';

const MAX_BATCH_SIZE = 50_000;

function batchSize(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_BATCH_SIZE) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_BATCH_SIZE}`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const ENVIRONMENT = `
Environment:
  CCHC_URL      the service, e.g. http://127.0.0.1:3000 (--url wins)
  CCHC_API_KEY  an API key (--api-key wins)

Exit codes: 0 done; 1 a row was refused, a batch failed or the service answered a problem; 2 usage error.`;

const PUSH_HELP = `
FILE is a one-stop-shop export, CSV (, ; or tab; UTF-8) or XLSX, with a header row such as
"Mã đơn vị | Mã thủ tục | Ngày | Tiếp nhận mới | …" (title rows above it are skipped); see
packages/dossier-table/README.md for every column.

asOf of rows without one: --as-of, else the file's modification time (so a rerun sends the same rows).
Bad lines are reported with their line numbers and not sent. Killed midway, the same command resumes
(state in FILE.cchc-push.json); a finished push sent again is a new run, answered as unchanged.
Refused lines (local and the service's) go to the rejects file, with line number, code and reason.`;

/** Builds the program; each action reports its exit code through `done`. */
export function buildProgram(done: (code: number) => void): Command {
  const program = new Command('cchc')
    .description('Command line for the CCHC reporting service: dossier counts, annexes, values, completeness')
    .version('0.1.0')
    .option('--url <url>', 'the service (default: $CCHC_URL)')
    .option('--api-key <key>', 'API key (default: $CCHC_API_KEY)')
    .addHelpText('after', ENVIRONMENT)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  const dossiers = program.command('dossiers').description('dossier counts (số liệu hồ sơ TTHC)');
  dossiers
    .command('push')
    .description('push a one-stop-shop export (CSV or XLSX) of dossier counts, in resumable batches')
    .argument('<file>', 'CSV or XLSX export')
    .option('--dry-run', 'read and check locally, report, send nothing')
    .addOption(new Option('--batch-size <n>', 'rows per request').default(5000).argParser(batchSize))
    .option('--source <name>', 'source of rows without a "Nguồn" cell, e.g. motcua-soctrang')
    .option('--as-of <time>', "asOf of rows without one: ISO 8601, or dd/mm/yyyy HH:mm in Vietnam time (default: the file's mtime)")
    .option('--rejects <path>', 'where refused lines go (default: FILE.rejects.csv)')
    .option('--atomic', 'all or nothing per batch: a refused row refuses its batch')
    .option('--sheet <name>', 'XLSX worksheet, by name or 1-based number (default: the first)')
    .option('--state-dir <dir>', 'keep the resume state there instead of beside FILE')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', PUSH_HELP)
    .action(async (file: string, _options, command: Command) => done(await pushCommand(file, command.optsWithGlobals())));

  const annex = program.command('annex').description("a report's official annex table (phụ lục), CSV or XLSX");
  const format = () => new Option('--format <format>', 'csv or xlsx (default: from the file name, else csv)').choices(['csv', 'xlsx']);
  annex
    .command('export')
    .description('download the annex of one report')
    .requiredOption('--period <id>', 'period, e.g. 2023 or 2023-Q4')
    .requiredOption('--agency <code>', 'agency code, e.g. BQL-KCN')
    .addOption(format())
    .option('--supplementary', 'add the rows the printed annex does not have')
    .option('--out <file>', 'write there (default: stdout)')
    .action(async (_options, command: Command) => done(await annexExportCommand(command.optsWithGlobals())));
  annex
    .command('import')
    .description('upload a filled annex into one report (atomic: a bad row refuses the file)')
    .argument('<file>', 'CSV or XLSX annex')
    .requiredOption('--period <id>', 'period, e.g. 2023')
    .requiredOption('--agency <code>', 'agency code, e.g. BQL-KCN')
    .addOption(format())
    .option('--dry-run', 'check and report what would change, write nothing')
    .option('--no-atomic', 'store the good rows even if some are refused')
    .option('--json', 'print the import summary as JSON')
    .action(async (file: string, _options, command: Command) => done(await annexImportCommand(file, command.optsWithGlobals())));

  const values = program.command('values').description('indicator values');
  values
    .command('pull')
    .description('download values (every page of GET /v1/values)')
    .requiredOption('--period <id>', 'period; repeat for several', collect)
    .option('--agency <code>', 'only this agency')
    .option('--subtree', 'with --agency: and every agency below it')
    .option('--indicator <code>', 'only this indicator; repeat for several', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write there (default: stdout)')
    .action(async (_options, command: Command) => done(await valuesPullCommand(command.optsWithGlobals())));

  program
    .command('completeness')
    .description('who reported in a period, on time or late, and who is missing')
    .requiredOption('--period <id>', 'period, e.g. 2023')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--out <file>', 'write there (default: stdout)')
    .action(async (_options, command: Command) => done(await completenessCommand(command.optsWithGlobals())));

  return program;
}
