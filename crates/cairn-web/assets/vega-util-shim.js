// vega-interpreter (an ES module) imports three helpers from 'vega-util'. The vega bundle,
// loaded before this module as a classic script, already carries vega-util and exposes it on
// the `vega` global, so this module hands those over instead of loading a second copy.
// The page's import map maps the bare name 'vega-util' to this file.
const { ascending, isString, DisallowedObjectProperties } = globalThis.vega;
export { ascending, isString, DisallowedObjectProperties };
