import type { Point } from "../state/datasets.js";
import { DOMAIN } from "../state/features.js";

const ORANGE = [245, 147, 34] as const;
const WHITE = [232, 234, 235] as const;
const BLUE = [8, 119, 189] as const;

/** The TensorFlow Playground's diverging scale: −1 orange, 0 light grey, +1 blue (values clamped). */
export function colorOf(value: number): readonly [number, number, number] {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const [from, to, f] = v < 0 ? [WHITE, ORANGE, -v] : [WHITE, BLUE, v];
  return [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f, from[2] + (to[2] - from[2]) * f];
}

/** Writes colorOf(value) as opaque RGBA at `offset` (no allocation: a heat map writes thousands a frame). */
function writeColor(pixels: Uint8ClampedArray, offset: number, value: number): void {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const to = v < 0 ? ORANGE : BLUE;
  const f = Math.abs(v);
  pixels[offset] = WHITE[0] + (to[0] - WHITE[0]) * f;
  pixels[offset + 1] = WHITE[1] + (to[1] - WHITE[1]) * f;
  pixels[offset + 2] = WHITE[2] + (to[2] - WHITE[2]) * f;
  pixels[offset + 3] = 255;
}

export function cssColor(value: number): string {
  const [r, g, b] = colorOf(value);
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

/** A size×size canvas and its pixels per grid size, reused by every picture of that size. */
const offscreen = new Map<number, { canvas: HTMLCanvasElement; image: ImageData }>();

/**
 * Draws column `column` of a [size², width] row-major grid of values (row 0 at the top) over the
 * whole canvas, scaled smoothly: value·scale, `discretize` keeps only its sign, and `intensity` pales the colours.
 */
export function drawGrid(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  size: number,
  options: { column?: number; width?: number; discretize?: boolean; scale?: number; intensity?: number } = {},
): void {
  const column = options.column ?? 0;
  const width = options.width ?? 1;
  const scale = options.scale ?? 1;
  const intensity = options.intensity ?? 1;
  let small = offscreen.get(size);
  if (small === undefined) {
    const c = document.createElement("canvas");
    c.width = size;
    c.height = size;
    small = { canvas: c, image: c.getContext("2d")!.createImageData(size, size) };
    offscreen.set(size, small);
  }
  const { image } = small;
  for (let k = 0; k < size * size; k++) {
    let v = values[k * width + column]! * scale;
    if (options.discretize) v = v > 0 ? 1 : -1;
    writeColor(image.data, 4 * k, v * intensity);
  }
  small.canvas.getContext("2d")!.putImageData(image, 0, 0);
  const target = canvas.getContext("2d")!;
  target.imageSmoothingEnabled = true;
  target.drawImage(small.canvas, 0, 0, canvas.width, canvas.height);
}

/** The data points over a picture of the domain: filled by label, test points ringed in black. */
export function drawPoints(
  canvas: HTMLCanvasElement,
  points: readonly Point[],
  test: boolean,
  radius = 3,
): void {
  const ctx = canvas.getContext("2d")!;
  const toPixel = (v: number, extent: number) => ((v + DOMAIN) / (2 * DOMAIN)) * extent;
  ctx.lineWidth = 1;
  for (const p of points) {
    ctx.beginPath();
    ctx.arc(toPixel(p.x, canvas.width), canvas.height - toPixel(p.y, canvas.height), radius, 0, 2 * Math.PI);
    ctx.fillStyle = cssColor(p.label);
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.fill();
    ctx.stroke();
  }
}

/** Lines of values over time on a small canvas, sharing one y range starting at 0. */
export function drawLines(
  canvas: HTMLCanvasElement,
  series: readonly { values: readonly number[]; color: string }[],
): void {
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let top = 0;
  let n = 0;
  for (const { values } of series) {
    n = Math.max(n, values.length);
    for (const v of values) if (Number.isFinite(v) && v > top) top = v;
  }
  if (n === 0) return;
  top ||= 1;
  for (const { values, color } of series) {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    values.forEach((v, i) => {
      const x = n <= 1 ? 0 : (i / (n - 1)) * canvas.width;
      const y = canvas.height - (Math.min(v, top) / top) * (canvas.height - 2) - 1;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

/** Bars of mean |δ^(l)| on a log scale (1e-8 … 1e2), labelled by layer. */
export function drawDeltaBars(canvas: HTMLCanvasElement, deltas: readonly number[]): void {
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const low = -8;
  const high = 2;
  const barWidth = Math.min(40, (canvas.width - 20) / Math.max(1, deltas.length) - 8);
  ctx.font = "10px sans-serif";
  deltas.forEach((d, i) => {
    const log = Math.log10(Math.max(d, 10 ** low));
    const h = ((log - low) / (high - low)) * (canvas.height - 30);
    const x = 10 + i * (barWidth + 8);
    ctx.fillStyle = "#0877bd";
    ctx.fillRect(x, canvas.height - 16 - h, barWidth, h);
    ctx.fillStyle = "#333";
    ctx.fillText(`δ(${i + 2})`, x, canvas.height - 4);
    ctx.fillText(d.toExponential(1), x, canvas.height - 20 - h);
  });
}
