// Test fixtures are imported as JSON (Vite parses them); typed here as unknown so tsc does not infer
// megabytes of literal types. The tests describe their shape.
declare module "*.json" {
  const value: unknown;
  export default value;
}
