/** Where in an input a problem was found; every field is optional and named in the message. */
export interface DataErrorLocation {
  /** File name or other label of the input (`train-images-idx3-ubyte.gz`, `iris.csv`). */
  file?: string;
  /** 1-based line of a text input. */
  line?: number;
  /** Column name (or `#index` when the input has no name for it). */
  column?: string;
  /** Byte offset in a binary input. */
  offset?: number;
}

function describe(location: DataErrorLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.file);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.column !== undefined) parts.push(`column "${location.column}"`);
  if (location.offset !== undefined) parts.push(`byte offset ${location.offset}`);
  return parts.join(", ");
}

/**
 * Every error @backprop/data throws: a malformed IDX or CSV input, a missing dataset file, an
 * option out of range. The message starts with the operation and the location
 * (`parseCsv: iris.csv, line 12, column "sepal_width": expected a number, got "abc"`), and the
 * location is kept as fields for programs.
 */
export class DataError extends Error {
  override name = "DataError";
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: string | undefined;
  readonly offset: number | undefined;

  constructor(op: string, message: string, location: DataErrorLocation = {}, options?: ErrorOptions) {
    const where = describe(location);
    super(`${op}: ${where === "" ? "" : `${where}: `}${message}`, options);
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.offset = location.offset;
  }
}
