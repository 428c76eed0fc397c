/** A rectangle in pixels of some image: plain geometry that plans compute and the pixel code crops. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}
