// Draws every chart on the page from the Vega-Lite spec stored beside it as JSON data
// (<script type="application/json" class="vega-spec" data-target="id">), without eval:
// expressions go through the CSP-safe interpreter.
(function () {
  function draw() {
    document.querySelectorAll("script.vega-spec").forEach(function (holder) {
      var target = document.getElementById(holder.dataset.target);
      if (!target) return;
      var spec = JSON.parse(holder.textContent);
      window.vegaEmbed(target, spec, {
        renderer: "svg",
        actions: false,
        ast: true,
        expr: window.vegaExpressionInterpreter,
        // No <style> injected (the CSP allows only our stylesheet): app.css styles both.
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
      }).catch(function (error) {
        target.textContent = "Chart unavailable: " + error.message;
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
