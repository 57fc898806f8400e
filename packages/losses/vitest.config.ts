export { backendProjects as default } from "../../vitest.shared.js";
