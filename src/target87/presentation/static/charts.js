// Draws the charts of the page with Vega from the spec stored beside each as JSON data
// (<script type="application/json" class="vega-spec" data-target="id">), without eval:
// expressions go through the CSP-safe interpreter.
//
// Progressive: a lazy figure (data-lazy, on pages without a map) is first the server's SVG
// image, and the Vega bundle (~300 KB compressed) is fetched only when the reader reaches for
// a chart (pointer over it, focus in it, a tap, or its "Interactive" button); then that chart
// becomes the live view, with tooltips. On pages that load the bundle with them (maps), every
// chart is drawn at once.
(function () {
  "use strict";
  var me = document.currentScript;
  var bundle = me && me.dataset.bundle;
  var interpreter = me && me.dataset.interpreter;
  var loading = null;

  function load(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () {
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }

  function library() {
    if (window.vegaEmbed && window.vegaExpressionInterpreter) return Promise.resolve();
    if (!loading) {
      loading = (window.vegaEmbed ? Promise.resolve() : load(bundle)).then(function () {
        return window.vegaExpressionInterpreter ? null : load(interpreter);
      });
    }
    return loading;
  }

  function holderOf(target) {
    return document.querySelector('script.vega-spec[data-target="' + target + '"]');
  }

  function draw(holder) {
    var target = document.getElementById(holder.dataset.target);
    if (!target || target.dataset.drawn) return Promise.resolve();
    target.dataset.drawn = "pending";
    var spec = JSON.parse(holder.textContent);
    var options = {
      renderer: "svg",
      actions: false,
      ast: true,
      expr: window.vegaExpressionInterpreter,
      // No <style> injected (the CSP allows only our stylesheets): charts.css styles both.
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
    };
    // Numbers written as the page's language writes them (the server's images do the same).
    if (target.dataset.locale) options.formatLocale = JSON.parse(target.dataset.locale);
    var image = target.querySelector("img.chart-image");
    var live = target;
    if (image) {
      // Drawn beside the image, which goes once the view is there: no blank in between.
      live = document.createElement("div");
      live.className = "chart-live-view";
      target.appendChild(live);
    }
    return window
      .vegaEmbed(live, spec, options)
      .then(function () {
        if (image) image.remove();
        target.dataset.drawn = "true";
        var figure = target.closest(".chart-figure");
        var button = figure && figure.querySelector("button.chart-live");
        if (button) button.hidden = true;
      })
      .catch(function (error) {
        target.dataset.drawn = "failed";
        if (image) {
          live.remove();
        } else {
          target.textContent = "Chart unavailable: " + error.message;
        }
        console.warn("chart " + holder.dataset.target + ": " + error.message);
      });
  }

  function activate(figure) {
    if (!figure || figure.dataset.activated) return Promise.resolve();
    figure.dataset.activated = "true";
    var chart = figure.querySelector(".chart");
    var holder = chart && holderOf(chart.id);
    if (!holder) return Promise.resolve();
    return library().then(
      function () {
        return draw(holder);
      },
      function (error) {
        console.warn(error.message); // the image stays: the chart is still there
      }
    );
  }

  function activateAll() {
    return Promise.all(
      Array.prototype.map.call(document.querySelectorAll(".chart-figure"), activate)
    );
  }

  function start() {
    var figures = document.querySelectorAll(".chart-figure");
    var eager = [];
    figures.forEach(function (figure) {
      if (figure.dataset.lazy !== "true") {
        eager.push(figure);
        return;
      }
      var go = function () {
        activate(figure);
      };
      figure.addEventListener("pointerenter", go, { once: true });
      figure.addEventListener("focusin", go, { once: true });
      figure.addEventListener("touchstart", go, { once: true, passive: true });
      var button = figure.querySelector("button.chart-live");
      if (button) {
        button.hidden = false;
        button.addEventListener("click", go);
      }
    });
    // Charts outside a figure (older templates) are drawn at once, as the eager ones.
    document.querySelectorAll("script.vega-spec").forEach(function (holder) {
      var target = document.getElementById(holder.dataset.target);
      if (target && !target.closest(".chart-figure")) eager.push(holder);
    });
    if (eager.length) {
      library().then(function () {
        eager.forEach(function (item) {
          if (item.tagName === "SCRIPT") draw(item);
          else activate(item);
        });
      });
    }
  }

  window.target87Charts = { activate: activate, activateAll: activateAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
