/**
 * Whether onnxruntime's WebGPU provider finds an adapter on this machine (Vulkan on Linux: a GPU's driver or
 * Mesa's lavapipe; Metal or D3D12 elsewhere). A one-node graph runs on it in a child process, because a broken
 * driver can take the process down with it; about a second. The WebGPU tests and `npm test`'s prerequisite
 * check (scripts/test-prerequisites.ts) both ask this, so they agree on what "present" means.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GraphBuilder } from '../runtime/graph-builder.ts';
import { firstLine, float32, sessionFromBytes } from '../runtime/onnx.ts';

export type AdapterProbe = { found: true } | { found: false; reason: string };

const FOUND = 'WebGPU adapter found';

export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): AdapterProbe {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const result = spawnSync(process.execPath, ['--import', tsx, fileURLToPath(import.meta.url)], {
    encoding: 'utf8',
    // Dawn wants a runtime dir (as .ci/run and the WebGPU tests give it).
    env: { XDG_RUNTIME_DIR: tmpdir(), ...env },
    timeout: 120_000,
  });
  const said = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status === 0 && said === FOUND) return { found: true };
  if (said) return { found: false, reason: said };
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.status}`;
  return { found: false, reason: `the WebGPU probe ${how}: ${firstLine(result.stderr || result.error)}` };
}

/** In the child: Add on WebGPU, checked; one line on stdout either way. */
async function probeHere(): Promise<void> {
  const graph = new GraphBuilder({ name: 'webgpu-probe' });
  graph.input('x', 'float32', [2]);
  graph.op('Add', ['x', graph.constant('float32', [2], [1, 2])], undefined, 'y');
  graph.output('y', 'float32', [2]);
  try {
    const session = await sessionFromBytes(graph.toBytes(), 'webgpu');
    const { y } = await session.run({ x: float32(new Float32Array([10, 20]), [2]) });
    await session.release();
    const values = Array.from((y?.data ?? []) as Float32Array);
    if (values.join() !== '11,22') throw new Error(`1 + 10 gave ${values.join()}`);
    console.log(FOUND);
  } catch (error) {
    // onnxruntime's message starts with a source path; the adapter's own words are at its end.
    const message = firstLine(error);
    const reason = /Failed to get a WebGPU adapter: (.*)$/.exec(message)?.[1] ?? message;
    console.log(`onnxruntime's WebGPU provider found no adapter (${reason})`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await probeHere();
