export { type Candidate, type InterleaveOptions, interleave, type Timing } from "./interleave.js";
export { machineLine, withForeignLoad } from "./machine.js";
