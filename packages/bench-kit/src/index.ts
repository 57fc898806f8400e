export { type Candidate, type InterleaveOptions, interleave, type Timing } from "./interleave.js";
export { machineLine, withForeignLoad, withForeignLoadAsync } from "./machine.js";
