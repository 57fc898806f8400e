/**
 * A growable byte buffer for writing WebAssembly binaries: LEB128 integers, little-endian floats,
 * names and length-prefixed sections (the binary format of the WebAssembly core specification, §5).
 */
export class WasmBytes {
  private data = new Uint8Array(256);
  private length = 0;

  /** The bytes written so far. */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.data.slice(0, this.length);
  }

  byte(...values: number[]): this {
    for (const value of values) {
      if (this.length === this.data.length) {
        const grown = new Uint8Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.data[this.length++] = value & 0xff;
    }
    return this;
  }

  /** Unsigned LEB128. */
  u32(value: number): this {
    let v = value >>> 0;
    do {
      const low = v & 0x7f;
      v >>>= 7;
      this.byte(v === 0 ? low : low | 0x80);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 (i32.const's immediate). */
  i32(value: number): this {
    let v = value | 0;
    for (;;) {
      const low = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (low & 0x40) === 0) || (v === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return this;
    }
  }

  /** A float32, little-endian. */
  f32(value: number): this {
    const bits = new Uint8Array(Float32Array.of(value).buffer);
    return this.byte(...bits);
  }

  /** A name: its UTF-8 length, then its bytes (ASCII here). */
  name(text: string): this {
    this.u32(text.length);
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
    return this;
  }

  /** Appends `content` with its length in front (a section's or a function body's size). */
  sized(content: WasmBytes): this {
    const bytes = content.bytes();
    this.u32(bytes.length);
    for (const b of bytes) this.byte(b);
    return this;
  }

  /** A section: its id, then its content with its size in front. */
  section(id: number, content: WasmBytes): this {
    return this.byte(id).sized(content);
  }
}
