// uPlot's prebuilt script and stylesheet, imported as text (`with { type: "text" }`)
// so the HTML report can carry them inline, also from the compiled executable.
declare module "uplot/dist/uPlot.iife.min.js" {
  const source: string;
  export default source;
}
declare module "uplot/dist/uPlot.min.css" {
  const source: string;
  export default source;
}
