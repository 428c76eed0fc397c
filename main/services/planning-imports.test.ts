/**
 * The main process plans images from the families' geometry alone: the module graph of the model catalog and
 * plan-folder reaches neither sharp nor onnxruntime, nor any family's pixel code. The graph is esbuild's, resolved
 * as tsx runs the code (type-only imports erased, tsconfig's verbatimModuleSyntax honoured), so a lazily called
 * path counts as much as one run at start-up.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATIVE = ['sharp', 'onnxruntime-node', 'onnxruntime-common'];
/** Files that hold pixel code or load it: main must reach none of them. */
const PIXEL_FILE =
  /^models\/families\/(pixels|pillow-resample|engines|[^/]+\/(engine|preprocess|arrange|rope))\.ts$/;

/** The repository files and the packages that importing `entry` loads. */
async function moduleGraph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
    outdir: join(root, '.cache', 'planning-imports'),
  });
  const inputs = Object.entries(result.metafile.inputs);
  const packages = inputs.flatMap(([, input]) => input.imports.filter((i) => i.external).map((i) => i.path));
  return { files: inputs.map(([file]) => file), packages: [...new Set(packages)] };
}

describe("main's planning graph", () => {
  it.each(['main/services/models.ts', 'models/families/plan-folder.ts', 'main/downloads/inspect.ts'])(
    '%s loads no native runtime and no pixel code',
    async (entry) => {
      const { files, packages } = await moduleGraph(entry);
      expect(files).toContain('models/families/registry.ts');
      expect(packages.filter((p) => NATIVE.includes(p))).toEqual([]);
      expect(files.filter((f) => PIXEL_FILE.test(f))).toEqual([]);
    },
  );

  it.each(['models/engine/client.ts', 'models/engine/protocol.ts', 'main/cli/ask.ts'])(
    '%s (the engine client main talks through) loads no onnxruntime',
    async (entry) => {
      const { packages } = await moduleGraph(entry);
      expect(packages.filter((p) => p.startsWith('onnxruntime'))).toEqual([]);
    },
  );

  it('would see them if they were there: the engine side loads sharp and onnxruntime', async () => {
    const engine = await moduleGraph('models/runtime/load.ts');
    expect(engine.packages).toEqual(expect.arrayContaining(['sharp', 'onnxruntime-node']));
    expect(engine.files).toEqual(
      expect.arrayContaining(['models/families/engines.ts', 'models/families/pixels.ts']),
    );
  });
});
