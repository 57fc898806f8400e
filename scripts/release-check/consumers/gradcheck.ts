import { checkFunction, formatReport, type GradcheckReport } from "@backprop/gradcheck";
import { map, scale, sum, tensor } from "@backprop/tensor";

const report: GradcheckReport = checkFunction(
  (x) => sum(map(x, (v) => v * v)),
  (x) => scale(x, 2),
  tensor([1, 2, 3], { dtype: "float64" }),
);
export const consumerGradcheckTable: string = formatReport(report);
