// The HTML report's own script, inline in the page: it reads the plot specs
// (html-plots.ts) from the JSON data block and hands them to uPlot. When every
// plot has drawn once it sets data-plots="drawn:N" on <html> (or "error:…"),
// which is what the browser test waits for. Plain ES2017, no template syntax.

export const PLOT_SCRIPT = String.raw`
(function () {
  "use strict";
  var root = document.documentElement;
  function fail(e) { root.setAttribute("data-plots", "error:" + (e && e.message ? e.message : String(e))); }
  window.addEventListener("error", function (ev) { fail(ev.error || ev.message); });
  var data = JSON.parse(document.getElementById("gatebench-data").textContent);
  var specs = data.plots;

  function num(v) {
    var a = Math.abs(v);
    return Number.isInteger(v) ? String(v) : a >= 100 ? v.toFixed(1) : a >= 10 ? v.toFixed(2) : v.toFixed(3);
  }
  function withUnit(v, unit) { return v == null ? "-" : num(v) + " " + unit; }
  function pct(x) { return x == null ? "" : +(100 - 100 / x).toFixed(6) + "%"; }
  function secs(x) { return x == null ? "" : +x.toFixed(3) + " s"; }
  var PCT_TICKS = [1, 2, 4, 10, 20];
  function pctSplits(u, axis, min, max) {
    var out = PCT_TICKS.slice();
    for (var x = 100; x <= max * 1.0001; x *= 10) out.push(x);
    return out.filter(function (x) { return x >= min * 0.9999 && x <= max * 1.0001; });
  }

  // vertical lines at given x (a frontier's bounds), each labelled at the top
  function marker(marks) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.strokeStyle = "#6b7280";
      ctx.fillStyle = "#374151";
      ctx.setLineDash([4, 4]);
      ctx.font = Math.round(11 * devicePixelRatio) + "px sans-serif";
      marks.forEach(function (m) {
        var x = u.valToPos(m.at, "x", true);
        if (x < b.left || x > b.left + b.width) return;
        ctx.beginPath();
        ctx.moveTo(x, b.top);
        ctx.lineTo(x, b.top + b.height);
        ctx.stroke();
        ctx.fillText(m.label, x + 3 * devicePixelRatio, b.top + 12 * devicePixelRatio);
      });
      ctx.restore();
    };
  }
  // a log axis wide enough for the data and every mark
  function logRange(marks) {
    return function (u, min, max) {
      var lo = min, hi = max;
      marks.forEach(function (m) { lo = Math.min(lo, m.at); hi = Math.max(hi, m.at); });
      return [lo / 1.5, hi * 1.5];
    };
  }

  function shader(bands) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, right = b.left + b.width;
      bands.forEach(function (band) {
        var x0 = Math.max(b.left, u.valToPos(band.from, "x", true));
        var x1 = Math.min(right, u.valToPos(band.to, "x", true));
        if (x1 <= x0) return;
        ctx.fillStyle = data.phaseColors[band.phase] || data.phaseOther;
        ctx.fillRect(x0, b.top, x1 - x0, b.height);
      });
    };
  }

  function sizeOf(box) {
    var w = Math.max(280, box.clientWidth);
    return { width: w, height: w < 560 ? 220 : 280 };
  }

  var drawn = {};
  var made = [];
  function onDraw(id) {
    return function () {
      drawn[id] = true;
      if (Object.keys(drawn).length === specs.length && !root.hasAttribute("data-plots")) {
        root.setAttribute("data-plots", "drawn:" + specs.length);
      }
    };
  }

  specs.forEach(function (p) {
    var box = document.querySelector('[data-plot="' + p.id + '"] .chart');
    var pctAxis = p.xKind === "percentile";
    var rateAxis = p.xKind === "rate";
    var logMs = p.xKind === "log-ms";
    var marks = p.marks || [];
    var perSec = function (v) { return v + " req/s"; };
    var msOf = function (v) { return v == null ? "-" : num(v) + " ms"; };
    var series = [{
      label: pctAxis ? "percentile" : rateAxis ? "offered rate" : logMs ? p.xLabel : "time",
      value: function (u, v) { return v == null ? "-" : pctAxis ? pct(v) : rateAxis ? perSec(v) : logMs ? msOf(v) : secs(v); },
    }];
    p.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dashed ? [8, 5] : undefined,
        spanGaps: pctAxis || rateAxis || logMs,
        points: rateAxis || logMs ? { show: true, size: 7 } : undefined,
        value: function (u, v) { return withUnit(v, p.yUnit); },
      });
    });
    var opts = Object.assign(sizeOf(box), {
      // the percentile axis ends where the data does, not at the next power of ten
      scales: {
        x: pctAxis
          ? { time: false, distr: 3, log: 10, range: function (u, min, max) { return [min, max]; } }
          : logMs ? { time: false, distr: 3, log: 10, range: logRange(marks) } : { time: false },
      },
      axes: [
        logMs
          ? { label: p.xLabel, values: function (u, xs) { return xs.map(function (v) { return v == null ? "" : msOf(v); }); } }
          : pctAxis
          ? { label: p.xLabel, splits: pctSplits, filter: function (u, xs) { return xs; }, values: function (u, xs) { return xs.map(pct); } }
          : { label: p.xLabel, values: function (u, xs) { return xs.map(rateAxis ? perSec : secs); } },
        { label: p.yLabel, size: 64 },
      ],
      series: series,
      legend: { live: true },
      hooks: { drawClear: [shader(p.bands)], draw: [marker(marks), onDraw(p.id)] },
    });
    // a frontier's throughput from zero, so that the curve's rise reads as it is
    if (logMs) opts.scales.y = { range: function (u, min, max) { return [0, max * 1.1]; } };
    made.push({ box: box, plot: new uPlot(opts, [p.xs].concat(p.series.map(function (s) { return s.values; })), box) });
  });
  if (specs.length === 0) root.setAttribute("data-plots", "drawn:0");

  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      made.forEach(function (m) { m.plot.setSize(sizeOf(m.box)); });
    });
  });
})();
`;
