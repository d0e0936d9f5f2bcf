// Renders every chart on the page. A chart is a Vega or Vega-Lite spec in
// <script type="application/json" class="vega-spec"> inside a <figure>; the figure also holds
// the accessible data table, which stays where it is. Specs come from the server (Cairn's
// charts module, or any other page that emits the same element), so this file knows nothing
// about particular charts.
//
// Vega evaluates expressions with its CSP-safe interpreter (`ast: true`), so the page's
// Content-Security-Policy needs no 'unsafe-eval'; vega-embed's own stylesheet and tooltip
// handler are switched off because both inject inline styles.
import { expressionInterpreter } from "/assets/vendor/vega-interpreter-2.2.1/vega-interpreter.js";

const embed = globalThis.vegaEmbed;

function render(script) {
  let spec;
  try {
    spec = JSON.parse(script.textContent);
  } catch (error) {
    console.error("Cairn: a chart spec is not valid JSON", error);
    return;
  }
  const container = document.createElement("div");
  container.className = "chart";
  script.after(container);
  embed(container, spec, {
    renderer: "svg",
    actions: false,
    ast: true,
    expr: expressionInterpreter,
    defaultStyle: false,
    tooltip: false,
  }).then(
    () => {
      container.dataset.rendered = "true";
    },
    (error) => {
      // The data table beside the chart still holds every figure.
      container.remove();
      console.error("Cairn: a chart could not be drawn", error);
    },
  );
}

if (typeof embed === "function") {
  document.querySelectorAll("figure script.vega-spec").forEach(render);
}
