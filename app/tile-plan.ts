/**
 * How a model family cuts one image into encoder inputs. Plain data: the engine computes it, the renderer
 * draws it (tile view) and sums it (token estimate), and `tessera plan` prints it.
 */

export type Detail = 'low' | 'high';

export interface Size {
  width: number;
  height: number;
}

/** One encoder input. x/y/width/height are in original-image pixels, so the UI can draw it over the image. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Pixel size the vision encoder receives for this tile. */
  inputWidth: number;
  inputHeight: number;
  /** Placeholder tokens this tile becomes in the prompt. */
  tokens: number;
}

export interface TilePlan {
  family: string;
  detail: Detail;
  original: Size;
  /** The size the image is resized to before it is cut into tiles. */
  resized: Size;
  /**
   * How the image is divided: `tiles` counts the tiles (encoder views) in rows and columns, as most families
   * cut an image; `patches` counts the merged patches of the one view a family like Qwen2-VL sends whole,
   * one token each. Views without a grid (a global view alone) have 0 × 0 or 1 × 1 tiles.
   */
  grid: { rows: number; cols: number; unit: 'tiles' | 'patches' };
  tiles: Tile[];
  /** The downscaled view of the whole image, where the family adds one. */
  global: Tile | null;
  /** Image placeholder tokens the language model receives (one per image feature row). */
  imageTokens: number;
  /** Every token the image adds to the prompt: placeholders plus the marker tokens around them. */
  promptTokens: number;
}
