/**
 * `tessera` command line: ask, plan, make-model, serve, api, pull, inspect, models, rm. Each command exits non-zero
 * with a one-line reason on bad input; answers stream to stdout and timings go to stderr so the answer can be
 * piped.
 */
import { hasCode } from '../../app/errors.ts';
import { apiCommand } from './api.ts';
import { askCommand } from './ask.ts';
import { inspectCommand } from './inspect.ts';
import { makeModelCommand } from './make-model.ts';
import { modelsCommand } from './models.ts';
import { planCommand } from './plan.ts';
import { pullCommand } from './pull.ts';
import { rmCommand } from './rm.ts';
import { serveCommand } from './serve.ts';

const USAGE = `Usage:
  tessera ask --model DIR [--device auto|webgpu|cuda|dml|coreml|cpu] [--dtype D] [--max-tokens N]
              [--seed S] [--temperature T] [--detail low|high] IMAGE... -- "QUESTION"
  tessera ask --remote URL --model NAME [--api-key K] [--max-tokens N] [--seed S] [--temperature T]
              [--detail low|high] IMAGE... -- "QUESTION"
      Asks a remote OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio, tessera api) at URL (its
      API root, e.g. http://gpu-box:8000/v1); the key defaults to OPENAI_API_KEY.
  tessera plan --model DIR [--detail low|high] (IMAGE | --size WIDTHxHEIGHT)
  tessera make-model --family smolvlm|llava|llava-onevision|fastvlm|gemma3|qwen2-vl|qwen2.5-vl|phi3-v|lfm2-vl [--size tiny|realistic] [--dtype fp32|q4|q8[,…]] [--attention plain|gqa] [--seed N] --out DIR
  tessera serve [--port P] [--host H] [--model-dir DIR]... [--data-dir DIR] [--hub-endpoint URL]
                [--renderer-dir DIR] [--api [--api-port P]]
      Runs the app in the browser: prints http://127.0.0.1:PORT/?token=… and serves until Ctrl-C.
      --host other than loopback exposes it to the network (token still required).
      --api: the OpenAI-compatible API too (default port: the setting's, 4891), on loopback.
  tessera api [--port P] [--host H] [--model-dir DIR]... [--data-dir DIR]
      The OpenAI-compatible API alone (no web UI): prints "OpenAI-compatible API at http://127.0.0.1:P/v1"
      and "API key: …" (on stderr), and serves until Ctrl-C. The key: TESSERA_API_KEY, else the stored one.
      --host other than loopback exposes it to the network (key still required).
      --model-dir: a model folder, or a folder of model folders (default: DATA_DIR/models).
      --data-dir: threads and images (default: ~/.local/share/tessera or the OS equivalent).
  tessera pull REPO_ID[@REVISION] [--variant q4|q8|fp16|fp32|q4f16|…] [--endpoint URL] [--models-dir DIR]
      Downloads one variant of a model from the Hub (HF_ENDPOINT, HF_TOKEN, HTTPS_PROXY, NO_PROXY); run
      again after an interruption to resume. Default variant: the first complete of q4, q8, fp32, fp16, q4f16.
  tessera inspect (DIR | REPO_ID[@REVISION]) [--endpoint URL]
      Says whether a model folder or Hub repo can run, its family, variants and sizes; exits 1 if it cannot.
  tessera models [--models-dir DIR] [--quick]
  tessera rm MODEL [--models-dir DIR]
      --models-dir default: ~/.local/share/tessera/models (or the OS equivalent).`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  ask: askCommand,
  plan: planCommand,
  'make-model': makeModelCommand,
  serve: serveCommand,
  api: apiCommand,
  pull: pullCommand,
  inspect: inspectCommand,
  models: modelsCommand,
  rm: rmCommand,
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
    if (hasCode(error, 'USAGE')) {
      console.error(`tessera ${command}: ${error.message}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`tessera ${command}: ${message.split('\n')[0]}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
