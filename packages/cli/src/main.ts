/** Runs the command line and turns every outcome into an exit code (see errors.ts). */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { describeFailure, EXIT, UsageError } from './errors.js';
import { note } from './output.js';

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  // A progress bar hides the cursor; Ctrl-C must give it back. A push resumes from its last completed batch.
  process.once('SIGINT', () => {
    process.stderr.write('\x1b[?25h\ninterrupted (a push resumes when the same command is run again)\n');
    process.exit(130);
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    // commander has printed its message already; help and --version end with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      note(`error: ${error.message}`);
      return EXIT.usage;
    }
    for (const line of describeFailure(error, program.opts<{ url?: string }>().url ?? process.env.CCHC_URL)) note(line);
    return EXIT.refused;
  }
}
