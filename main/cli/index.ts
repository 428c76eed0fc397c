/**
 * `tessera` command line: ask, plan, make-model. Each command exits non-zero with a one-line reason on bad
 * input; answers stream to stdout and timings go to stderr so the answer can be piped.
 */
import { isTesseraError } from '../../models/errors.ts';
import { askCommand } from './ask.ts';
import { makeModelCommand } from './make-model.ts';
import { planCommand } from './plan.ts';
import { UsageError } from './args.ts';

const USAGE = `Usage:
  tessera ask --model DIR [--device auto|webgpu|cuda|dml|coreml|cpu] [--dtype D] [--max-tokens N]
              [--seed S] [--temperature T] [--detail low|high] IMAGE... -- "QUESTION"
  tessera plan --model DIR [--detail low|high] (IMAGE | --size WIDTHxHEIGHT)
  tessera make-model --family smolvlm [--size tiny|realistic] [--dtype fp32|q4] [--seed N] --out DIR`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  ask: askCommand,
  plan: planCommand,
  'make-model': makeModelCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`tessera: unknown command "${command}".\n${USAGE}`);
    return 2;
  }
  try {
    await run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`tessera ${command}: ${error.message}`);
      return 2;
    }
    const message = isTesseraError(error) || error instanceof Error ? error.message : String(error);
    console.error(`tessera ${command}: ${message.split('\n')[0]}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
