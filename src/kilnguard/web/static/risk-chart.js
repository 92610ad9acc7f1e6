/* The kiln page's interactive risk chart (issue 16 point 7), drawn with the vendored uPlot
   (static/vendor/uplot, MIT). No inline script: the Content-Security-Policy allows scripts from
   this server only, so this file finds each `.risk-chart[data-src]` element and fetches its
   JSON (GET /api/v1/kilns/{id}/risk-chart, the session cookie authenticates it).

   One chart of the combined risk R on a log scale over the level bands (the engine's own
   thresholds), with the events as markers (hover or focus shows their text), then one chart per
   indicator with the engine's threshold as a dashed line. The charts share one cursor and one
   zoom: drag across any chart to zoom to a period, double-click or "All" to zoom out. */
(function () {
  "use strict";

  var BAND_COLOURS = {
    green: "rgba(27,127,58,0.10)",
    amber: "rgba(224,160,0,0.16)",
    red: "rgba(192,38,28,0.14)",
    stop: "rgba(90,11,110,0.16)",
  };
  var DAY = 86400;
  /* The marker of a day with several events takes the colour of the gravest. */
  var SEVERITY = ["incident", "overrule", "deferral", "target", "alert"];

  function ts(day) {
    return Date.parse(day + "T00:00:00Z") / 1000;
  }

  function utc(t) {
    return uPlot.tzDate(new Date(t * 1e3), "Etc/UTC");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function width(root) {
    return Math.max(320, Math.min(root.clientWidth || 900, 1100) - 8);
  }

  /* Draw the level bands behind the risk series. */
  function bandsHook(bands) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, s = u.scales.y;
      var edges = [
        ["green", s.min, bands.amber],
        ["amber", bands.amber, bands.red],
        ["red", bands.red, bands.stop],
        ["stop", bands.stop, s.max],
      ];
      ctx.save();
      edges.forEach(function (e) {
        var lo = Math.max(e[1], s.min), hi = Math.min(e[2], s.max);
        if (!(hi > lo)) return;
        var top = u.valToPos(hi, "y", true), bottom = u.valToPos(lo, "y", true);
        ctx.fillStyle = BAND_COLOURS[e[0]];
        ctx.fillRect(b.left, top, b.width, bottom - top);
      });
      ctx.restore();
    };
  }

  /* Event markers: one focusable element per day with events, laid over the plot. */
  function markersHook(events, tip) {
    var byDay = {};
    events.forEach(function (e) {
      (byDay[e.day] = byDay[e.day] || []).push(e);
    });
    var nodes = [];
    return {
      init: function (u) {
        Object.keys(byDay).sort().forEach(function (day) {
          var list = byDay[day];
          var text = day + ": " + list.map(function (e) { return e.text; }).join(" · ");
          var kinds = list.map(function (e) { return e.kind; });
          var kind = SEVERITY.filter(function (k) { return kinds.indexOf(k) >= 0; })[0];
          var m = el("span", "chart-marker kind-" + (kind || list[0].kind));
          m.tabIndex = 0;
          m.setAttribute("role", "img");
          m.setAttribute("aria-label", text);
          m.dataset.day = day;
          m.dataset.kinds = kinds.join(" ");
          function show() {
            tip.textContent = text;
          }
          m.addEventListener("mouseenter", show);
          m.addEventListener("focus", show);
          u.over.appendChild(m);
          nodes.push([ts(day), m]);
        });
      },
      draw: function (u) {
        var s = u.scales.x;
        nodes.forEach(function (n) {
          var inside = n[0] >= s.min && n[0] <= s.max;
          n[1].style.display = inside ? "block" : "none";
          if (inside) n[1].style.left = u.valToPos(n[0], "x") + "px";
        });
      },
    };
  }

  function build(root, data) {
    var status = root.querySelector(".chart-status");
    if (!data.days.length) {
      status.textContent = "No production records yet: nothing to plot.";
      return;
    }
    status.textContent = "";
    var xs = data.days.map(ts);
    var charts = [];
    var syncing = false;
    var key = "kiln-" + data.kiln_id;

    function zoomAll(min, max) {
      charts.forEach(function (u) {
        u.setScale("x", { min: min, max: max });
      });
    }

    function common(title, height) {
      return {
        title: title,
        width: width(root),
        height: height,
        tzDate: utc,
        cursor: { sync: { key: key }, drag: { x: true, y: false } },
        scales: { x: { time: true } },
        legend: { live: true },
        hooks: {
          setScale: [
            function (u, scaleKey) {
              if (scaleKey !== "x" || syncing) return;
              syncing = true;
              var s = u.scales.x;
              charts.forEach(function (o) {
                if (o !== u) o.setScale("x", { min: s.min, max: s.max });
              });
              syncing = false;
            },
          ],
        },
      };
    }

    var controls = el("div", "chart-controls");
    controls.appendChild(el("span", "", "Period:"));
    [["All", 0], ["Last 90 days", 90], ["Last 30 days", 30]].forEach(function (p) {
      var b = el("button", "chart-period", p[0]);
      b.type = "button";
      b.addEventListener("click", function () {
        var last = xs[xs.length - 1] + DAY;
        zoomAll(p[1] ? Math.max(xs[0], last - p[1] * DAY) : xs[0], last);
      });
      controls.appendChild(b);
    });
    controls.appendChild(el("span", "chart-hint", "Drag across a chart to zoom to a period."));
    root.appendChild(controls);

    var tip = el("p", "chart-tip", "Hover over or tab to a dashed marker to read its event.");
    tip.setAttribute("aria-live", "polite");
    root.appendChild(tip);

    /* combined risk over the bands */
    var riskBox = el("div", "chart-panel chart-risk");
    riskBox.appendChild(
      el("h4", "", "Combined risk R [× a kiln within its design basis], log scale; bands: " +
        "amber ≥ " + data.bands.amber.toFixed(2) + "×, red ≥ " + data.bands.red.toFixed(2) +
        "×, stop ≥ " + data.bands.stop.toFixed(2) + "×")
    );
    root.appendChild(riskBox);
    var marks = markersHook(data.events, tip);
    var riskOpts = common("", 260);
    riskOpts.scales.y = { distr: 3, range: function (u, lo, hi) {
      return [Math.min(0.8, lo), Math.max(data.bands.stop * 2, hi * 1.3)];
    } };
    riskOpts.series = [
      { label: "day" },
      { label: "R", stroke: "#1d232a", width: 2,
        value: function (u, v, si, i) {
          return v == null ? "—" : v.toFixed(2) + "× (" + data.levels[i] + ")";
        } },
    ];
    riskOpts.hooks.drawClear = [bandsHook(data.bands)];
    riskOpts.hooks.init = [marks.init];
    riskOpts.hooks.draw = [marks.draw];
    var risk = new uPlot(riskOpts, [xs, data.risk_ratio], riskBox);
    riskBox.dataset.series = String(risk.series.length - 1);
    charts.push(risk);

    /* one chart per indicator, with its threshold */
    data.indicators.forEach(function (ind) {
      var box = el("div", "chart-panel chart-indicator");
      box.dataset.key = ind.key;
      box.appendChild(el("h4", "", ind.label + (ind.threshold != null
        ? " — threshold " + ind.threshold + " (" + ind.note + ")" : " — " + ind.note)));
      root.appendChild(box);
      var opts = common("", 130);
      opts.series = [{ label: "day" }, { label: ind.label, stroke: "#234e7a", width: 1.5 }];
      var cols = [xs, ind.values];
      if (ind.threshold != null) {
        opts.series.push({ label: "threshold", stroke: "#c0261c", dash: [6, 4], width: 1,
          points: { show: false } });
        cols.push(xs.map(function () { return ind.threshold; }));
      }
      var u = new uPlot(opts, cols, box);
      box.dataset.series = String(u.series.length - 1);
      charts.push(u);
    });

    /* the events as text too (screen readers, printing) */
    if (data.events.length) {
      var details = el("details", "chart-events");
      details.appendChild(el("summary", "", "Events on this kiln (" + data.events.length + ")"));
      var ol = el("ol");
      data.events.forEach(function (e) {
        ol.appendChild(el("li", "event kind-" + e.kind, e.day + " — " + e.kind + ": " + e.text));
      });
      details.appendChild(ol);
      root.appendChild(details);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (u) {
        u.setSize({ width: width(root), height: u.height });
      });
    });
    root.dataset.charts = String(charts.length);
    root.dataset.events = String(data.events.length);
    root.classList.add("is-ready");
  }

  function start(root) {
    var status = root.querySelector(".chart-status");
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("the server answered " + r.status);
        return r.json();
      })
      .then(function (data) {
        build(root, data);
      })
      .catch(function (e) {
        status.textContent = "The chart could not be loaded: " + e.message + ".";
        root.classList.add("is-failed");
      });
  }

  function all() {
    if (typeof uPlot === "undefined") return;
    document.querySelectorAll(".risk-chart[data-src]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();
