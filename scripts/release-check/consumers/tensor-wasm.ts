import { evaluate, lazy, matmul, zeros } from "@backprop/tensor";
import { createWasmBackend, type WasmBackend, type WasmStorage } from "@backprop/tensor-wasm";

const wasmBackend: WasmBackend = await createWasmBackend({ relaxed: "auto", threads: 1 });
const wasmX = zeros([4, 3], { backend: wasmBackend });
const wasmStorage: WasmStorage = wasmBackend.allocate("float32", 3);
export const consumerWasmSum: number = evaluate({ shape: wasmX.size, sums: [lazy(wasmX).add(1)] })[0]!;
export const consumerWasmShape: readonly number[] = matmul(wasmX, wasmX, { transposeB: true }).shape;
export const consumerWasmOffset: number = wasmStorage.byteOffset;
