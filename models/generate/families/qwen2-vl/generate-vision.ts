/**
 * The Qwen2-VL / Qwen2.5-VL vision encoder graph, computed like Python's vision transformer: the Conv3d patch
 * embedding as a MatMul over the [P, C·T·p·p] patch rows, pre-norm blocks whose attention applies 2-D rotary
 * positions (each patch's row and column, read from the grid input) and stays within one image frame
 * (cu_seqlens), then the PatchMerger: norm, every 4 consecutive rows (one 2×2 block) concatenated, MLP to the
 * text width. Qwen2-VL blocks use LayerNorm and a quick_gelu MLP; Qwen2.5-VL blocks use RMSNorm and a SwiGLU
 * MLP, every block with full attention (the generated config lists them all in fullatt_block_indexes, so no
 * window reordering applies).
 */
import type { Layers } from '../../nn.ts';
import { type GraphBuilder, int, ints, onnxTypeCode } from '../../../runtime/graph-builder.ts';
import { applyRotary } from '../../attention.ts';
import type { QwenDims } from './generate-dims.ts';

const VISUAL = 'model.visual';
const MASKED = -1e9;

export function buildQwenVisionEncoder(nn: Layers, dims: QwenDims, gridInputName: string): void {
  const g = nn.g;
  const v = dims.vision;
  const patchValues = 3 * v.temporalPatchSize * v.patchSize * v.patchSize;
  const pixels = g.input('pixel_values', 'float32', ['num_patches', patchValues]);
  const grid = g.input(gridInputName, 'int64', ['num_images', 3]);
  const headDim = v.hidden / v.heads;

  let h = nn.linear(pixels, `${VISUAL}.patch_embed.proj`, patchValues, v.hidden);
  const { rotary, bias } = patchPositions(g, pixels, grid, v.mergeSize, headDim, v.ropeTheta);
  const qwen25 = dims.variant === 'qwen2_5_vl';
  const norm = (x: string, name: string) =>
    qwen25 ? nn.rmsNorm(x, name, v.hidden, v.normEps) : nn.layerNorm(x, name, v.hidden, v.normEps);
  for (let i = 0; i < v.layers; i++) {
    const name = `${VISUAL}.blocks.${i}`;
    h = g.op('Add', [
      h,
      attention(nn, norm(h, `${name}.norm1`), `${name}.attn`, v.hidden, v.heads, rotary, bias),
    ]);
    const x = norm(h, `${name}.norm2`);
    const mlp = qwen25
      ? nn.linear(
          g.op('Mul', [
            nn.silu(nn.linear(x, `${name}.mlp.gate_proj`, v.hidden, v.intermediate, { bias: true })),
            nn.linear(x, `${name}.mlp.up_proj`, v.hidden, v.intermediate, { bias: true }),
          ]),
          `${name}.mlp.down_proj`,
          v.intermediate,
          v.hidden,
          { bias: true },
        )
      : nn.linear(
          nn.quickGelu(nn.linear(x, `${name}.mlp.fc1`, v.hidden, v.intermediate, { bias: true })),
          `${name}.mlp.fc2`,
          v.intermediate,
          v.hidden,
          { bias: true },
        );
    h = g.op('Add', [h, mlp]);
  }

  // PatchMerger: the patch rows come merge² at a time per 2×2 block (the processor's order).
  const merged = v.hidden * v.mergeSize * v.mergeSize;
  const grouped = g.op('Reshape', [norm(h, `${VISUAL}.merger.ln_q`), g.i64([-1, merged])]);
  const up = nn.gelu(nn.linear(grouped, `${VISUAL}.merger.mlp.0`, merged, merged, { bias: true }));
  const features = nn.linear(up, `${VISUAL}.merger.mlp.2`, merged, dims.text.hidden, { bias: true });
  g.op('Identity', [features], undefined, 'image_features');
  g.output('image_features', 'float32', ['num_image_tokens', dims.text.hidden]);
}

/**
 * Per patch row p: its image (cumulative t·h·w of the grid rows), its frame in that image, and inside the
 * frame its block (row-major over the (h/m) × (w/m) merged grid) and place in the block, giving the patch's
 * row and column. Rotary: frequencies of headDim/4 for the row, then the column, repeated; the attention bias
 * lets a patch see only the patches of its own frame.
 */
function patchPositions(
  g: GraphBuilder,
  pixels: string,
  grid: string,
  m: number,
  headDim: number,
  theta: number,
) {
  const scalar = (x: number) => g.constant('int64', [], [x]);
  const column = (k: number) => g.op('Gather', [grid, scalar(k)], { axis: int(1) });
  const [t, rows, cols] = [column(0), column(1), column(2)];
  const frameArea = g.op('Mul', [rows, cols]);
  const sizes = g.op('Mul', [t, frameArea]);
  const ends = g.op('CumSum', [sizes, scalar(0)]);
  const starts = g.op('Sub', [ends, sizes]);
  const count = g.op('Gather', [g.op('Shape', [pixels]), scalar(0)], { axis: int(0) });
  const index = g.op('Range', [scalar(0), count, scalar(1)]);
  const passed = g.op('GreaterOrEqual', [g.op('Unsqueeze', [index, g.i64([1])]), ends]);
  const image = g.op('ReduceSum', [g.op('Cast', [passed], { to: int(onnxTypeCode('int64')) }), g.i64([1])], {
    keepdims: int(0),
  });
  const perPatch = (x: string) => g.op('Gather', [x, image], { axis: int(0) });
  const local = g.op('Sub', [index, perPatch(starts)]);
  const area = perPatch(frameArea);
  const frame = g.op('Div', [local, area]);
  const inFrame = g.op('Mod', [local, area]);
  const block = g.op('Div', [inFrame, scalar(m * m)]);
  const inBlock = g.op('Mod', [inFrame, scalar(m * m)]);
  const blocksPerRow = g.op('Div', [perPatch(cols), scalar(m)]);
  const rowOf = g.op('Add', [
    g.op('Mul', [g.op('Div', [block, blocksPerRow]), scalar(m)]),
    g.op('Div', [inBlock, scalar(m)]),
  ]);
  const colOf = g.op('Add', [
    g.op('Mul', [g.op('Mod', [block, blocksPerRow]), scalar(m)]),
    g.op('Mod', [inBlock, scalar(m)]),
  ]);

  // VisionRotaryEmbedding(headDim / 2): inverse frequencies 1 / θ^(2j / (headDim/2)), j < headDim/4.
  const quarter = headDim / 4;
  const invFreq = g.constant(
    'float32',
    [quarter],
    Array.from({ length: quarter }, (_, j) => 1 / Math.pow(theta, (2 * j) / (headDim / 2))),
  );
  const angles = (pos: string) =>
    g.op('Mul', [
      g.op('Unsqueeze', [g.op('Cast', [pos], { to: int(onnxTypeCode('float32')) }), g.i64([1])]),
      invFreq,
    ]);
  const half = g.op('Concat', [angles(rowOf), angles(colOf)], { axis: int(-1) });
  const emb = g.op('Concat', [half, half], { axis: int(-1) });

  const same = (x: string) =>
    g.op('Equal', [g.op('Unsqueeze', [x, g.i64([1])]), g.op('Unsqueeze', [x, g.i64([0])])]);
  const bias = g.op('Where', [g.op('And', [same(image), same(frame)]), g.f32(0), g.f32(MASKED)]);
  return { rotary: { cos: g.op('Cos', [emb]), sin: g.op('Sin', [emb]) }, bias };
}

/** qkv in one projection (with bias), rotary on q and k, scores masked to the frame, output projection. */
function attention(
  nn: Layers,
  x: string,
  name: string,
  D: number,
  heads: number,
  rotary: { cos: string; sin: string },
  bias: string,
): string {
  const g = nn.g;
  const headDim = D / heads;
  const qkv = nn.linear(x, `${name}.qkv`, D, 3 * D, { bias: true });
  // [P, 3, heads, d] → [3, heads, P, d]
  const split = g.op('Transpose', [g.op('Reshape', [qkv, g.i64([-1, 3, heads, headDim])])], {
    perm: ints([1, 2, 0, 3]),
  });
  const [q, k, v] = g.node('Split', [split, g.i64([1, 1, 1])], { attrs: { axis: int(0) }, outputs: 3 }) as [
    string,
    string,
    string,
  ];
  const qr = applyRotary(g, q, rotary, headDim);
  const kr = applyRotary(g, k, rotary, headDim);
  const scores = g.op('Add', [
    g.op('Mul', [
      g.op('MatMul', [qr, g.op('Transpose', [kr], { perm: ints([0, 1, 3, 2]) })]),
      g.f32(1 / Math.sqrt(headDim)),
    ]),
    bias,
  ]);
  const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: int(-1) }), v]);
  const rows = g.op('Reshape', [g.op('Transpose', [context], { perm: ints([0, 2, 1, 3]) }), g.i64([-1, D])]);
  return nn.linear(rows, `${name}.proj`, D, D, { bias: true });
}
