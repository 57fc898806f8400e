import type { LayerWeights } from "../engine/session.js";
import { FEATURE_NAMES, FEATURES, type FeatureName } from "../state/features.js";
import type { Selection } from "../state/formula.js";
import { MAX_NEURONS } from "../state/state.js";
import { cssColor, drawGrid } from "./draw.js";
import { t } from "./i18n.js";

const NODE = 36;
const ROW = 48;
const TOP = 44;
const SVG_NS = "http://www.w3.org/2000/svg";

export interface NetworkEvents {
  toggleFeature(name: FeatureName): void;
  changeNeurons(layer: number, delta: number): void;
  select(selection: Selection): void;
  editWeight(layer: number, row: number, column: number, value: number): void;
}

/**
 * The network picture: feature nodes (click to switch on or off), hidden neurons and the output
 * node as thumbnails of their output over the plane, +/− per hidden layer, and the weights as
 * links whose width is |w| and colour its sign (click: formulas for it, and an editor to set it).
 */
export class NetworkView {
  private readonly root: HTMLElement;
  private readonly events: NetworkEvents;
  private links: SVGPathElement[][] = [];
  /** canvases[c][i]: column c (0 features … last output), node i (features: model input order). */
  private canvases: HTMLCanvasElement[][] = [];
  private editor: HTMLElement | undefined;
  private featureImages:
    | { images: readonly { values: Float32Array; scale: number }[]; size: number }
    | undefined;

  constructor(root: HTMLElement, events: NetworkEvents) {
    this.root = root;
    this.events = events;
  }

  /** Rebuilds the picture for a net of `features` → `hidden` → 1. */
  build(
    features: readonly FeatureName[],
    hidden: readonly number[],
    lang: "en" | "zh",
    selection: Selection | undefined,
  ): void {
    this.root.replaceChildren();
    this.editor = undefined;
    const width = Math.max(520, this.root.clientWidth || 600);
    const columns = hidden.length + 2;
    const x = (c: number) => 110 + (c * (width - 110 - NODE - 10)) / (columns - 1);
    const y = (i: number) => TOP + i * ROW;
    this.root.style.height = `${TOP + Math.max(FEATURE_NAMES.length, ...hidden) * ROW + 10}px`;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", this.root.style.height);
    this.root.append(svg);

    // Inputs of the model are the enabled features in state order; each is drawn at its fixed row.
    const inputRows = features.map((f) => FEATURE_NAMES.indexOf(f));
    const widths = [features.length, ...hidden, 1];
    const rowOf = (c: number, i: number) => (c === 0 ? inputRows[i]! : i);
    this.links = [];
    for (let c = 0; c + 1 < widths.length; c++) {
      const layer: SVGPathElement[] = [];
      for (let j = 0; j < widths[c + 1]!; j++) {
        for (let i = 0; i < widths[c]!; i++) {
          const path = document.createElementNS(SVG_NS, "path");
          const x0 = x(c) + NODE;
          const y0 = y(rowOf(c, i)) + NODE / 2;
          const x1 = x(c + 1);
          const y1 = y(rowOf(c + 1, j)) + NODE / 2;
          const mid = (x0 + x1) / 2;
          path.setAttribute("d", `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`);
          path.setAttribute("class", "link");
          path.dataset.layer = String(c + 1);
          path.dataset.row = String(j);
          path.dataset.column = String(i);
          if (
            selection?.kind === "weight" &&
            selection.layer === c + 1 &&
            selection.row === j &&
            selection.column === i
          )
            path.classList.add("selected");
          path.addEventListener("click", (event) => {
            this.events.select({ kind: "weight", layer: c + 1, row: j, column: i });
            this.openEditor(c, j, i, event, path);
          });
          svg.append(path);
          layer.push(path);
        }
      }
      this.links.push(layer);
    }

    this.canvases = [];
    const featureCanvases: HTMLCanvasElement[] = [];
    FEATURE_NAMES.forEach((name, row) => {
      const on = features.indexOf(name);
      const node = this.node(x(0), y(row), on < 0 ? "node off" : "node");
      node.dataset.feature = name;
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = FEATURES[name].label;
      node.append(label);
      node.addEventListener("click", () => this.events.toggleFeature(name));
      if (on >= 0) featureCanvases[on] = node.querySelector("canvas")!;
      else node.querySelector("canvas")!.dataset.feature = name;
    });
    this.canvases.push(featureCanvases);
    for (let c = 1; c < widths.length; c++) {
      const column: HTMLCanvasElement[] = [];
      for (let i = 0; i < widths[c]!; i++) {
        const node = this.node(x(c), y(i), "node");
        node.dataset.layer = String(c + 1);
        node.dataset.index = String(i);
        if (selection?.kind === "neuron" && selection.layer === c + 1 && selection.index === i)
          node.classList.add("selected");
        node.addEventListener("click", () => this.events.select({ kind: "neuron", layer: c + 1, index: i }));
        column.push(node.querySelector("canvas")!);
      }
      this.canvases.push(column);
      if (c < widths.length - 1) this.layerButtons(x(c), c - 1, widths[c]!, lang);
    }
    if (this.featureImages !== undefined && this.featureImages.images.length === features.length)
      this.drawFeatures(this.featureImages.images, this.featureImages.size);
  }

  private node(left: number, top: number, className: string): HTMLElement {
    const node = document.createElement("div");
    node.className = className;
    node.style.left = `${left}px`;
    node.style.top = `${top}px`;
    const canvas = document.createElement("canvas");
    canvas.className = "thumb";
    canvas.width = NODE;
    canvas.height = NODE;
    node.append(canvas);
    this.root.append(node);
    return node;
  }

  private layerButtons(left: number, layer: number, neurons: number, lang: "en" | "zh"): void {
    const buttons = document.createElement("div");
    buttons.className = "layer-buttons";
    buttons.style.left = `${left}px`;
    buttons.style.top = "0px";
    for (const [text, delta] of [
      ["+", 1],
      ["−", -1],
    ] as const) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "round small";
      button.textContent = text;
      button.dataset.action = delta > 0 ? "add-neuron" : "remove-neuron";
      button.disabled = delta > 0 ? neurons >= MAX_NEURONS : neurons <= 1;
      button.addEventListener("click", () => this.events.changeNeurons(layer, delta));
      buttons.append(button);
    }
    this.root.append(buttons);
    const caption = document.createElement("div");
    caption.className = "layer-caption";
    caption.style.left = `${left - 8}px`;
    caption.style.top = "26px";
    caption.textContent = `${neurons} ${t("neurons", lang)}`;
    this.root.append(caption);
  }

  private openEditor(c: number, row: number, column: number, event: MouseEvent, path: SVGPathElement): void {
    this.editor?.remove();
    const editor = document.createElement("div");
    editor.className = "weight-editor";
    const box = this.root.getBoundingClientRect();
    editor.style.left = `${event.clientX - box.left + 6}px`;
    editor.style.top = `${event.clientY - box.top + 6}px`;
    const input = document.createElement("input");
    input.type = "number";
    input.step = "0.1";
    input.value = Number(path.dataset.weight ?? 0).toPrecision(4);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && Number.isFinite(Number(input.value)) && input.value.trim() !== "") {
        this.events.editWeight(c, row, column, Number(input.value));
        editor.remove();
      } else if (e.key === "Escape") editor.remove();
    });
    editor.append(`W(${c + 1})[${row + 1},${column + 1}] `, input);
    this.root.append(editor);
    input.focus();
    input.select();
    this.editor = editor;
  }

  /** Marks the selected neuron or link. */
  setSelection(selection: Selection | undefined): void {
    for (const el of this.root.querySelectorAll(".selected")) el.classList.remove("selected");
    if (selection === undefined) return;
    const found =
      selection.kind === "neuron"
        ? this.root.querySelector(`.node[data-layer="${selection.layer}"][data-index="${selection.index}"]`)
        : this.root.querySelector(
            `.link[data-layer="${selection.layer}"][data-row="${selection.row}"][data-column="${selection.column}"]`,
          );
    found?.classList.add("selected");
  }

  /** Draws the feature thumbnails (kept, and redrawn after a rebuild): each feature scaled by its largest |value|. */
  drawFeatures(images: readonly { values: Float32Array; scale: number }[], size: number): void {
    this.featureImages = { images, size };
    images.forEach((image, i) => {
      const canvas = this.canvases[0]?.[i];
      if (canvas !== undefined) drawGrid(canvas, image.values, size, { scale: image.scale });
    });
  }

  /** Updates the links and thumbnails from a snapshot. */
  update(
    weights: readonly LayerWeights[],
    grid: { size: number; layers: Float32Array[] },
    discretize: boolean,
  ): void {
    weights.forEach((layer, c) => {
      const paths = this.links[c];
      if (paths === undefined) return;
      for (let k = 0; k < paths.length && k < layer.weight.length; k++) {
        const w = layer.weight[k]!;
        const path = paths[k]!;
        path.setAttribute("stroke", cssColor(Math.sign(w) * Math.max(0.3, Math.min(1, Math.abs(w)))));
        path.setAttribute("stroke-width", String(Math.max(0.5, Math.min(8, Math.abs(w) * 3))));
        path.dataset.weight = String(w);
      }
    });
    grid.layers.forEach((values, k) => {
      const column = this.canvases[k + 1];
      if (column === undefined) return;
      const last = k === grid.layers.length - 1;
      column.forEach((canvas, i) => {
        drawGrid(canvas, values, grid.size, {
          column: i,
          width: column.length,
          discretize: last && discretize,
        });
      });
    });
  }
}
