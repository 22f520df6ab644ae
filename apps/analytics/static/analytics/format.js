/* Number, duration and time formatting in the viewer's locale and time zone (Intl). */
(function () {
  "use strict";
  const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
  const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const SVG = "http://www.w3.org/2000/svg";

  function duration(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 1000) return count.format(ms) + " ms";
    if (ms < 60000) return decimal.format(ms / 1000) + " s";
    return decimal.format(ms / 60000) + " min";
  }

  function value(v, format) {
    if (v === null || v === undefined) return "—";
    if (format === "percent") return percent.format(v);
    if (format === "duration_ms") return duration(v);
    if (format === "count") return count.format(v);
    return decimal.format(v);
  }

  /* A change against the previous period: points for rates, units for counts. */
  function change(delta, format) {
    if (delta === null || delta === undefined) return "no comparison";
    const sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
    const size = Math.abs(delta);
    if (format === "percent") return sign + decimal.format(size * 100) + " pts";
    return sign + value(size, format);
  }

  /* "good", "bad" or "flat": whether a change is what the metric wants. */
  function judge(delta, goodDirection) {
    if (!delta) return "flat";
    const up = delta > 0;
    return (up === (goodDirection === "up")) ? "good" : "bad";
  }

  function sparkline(values, label) {
    const points = values.map((v, i) => [i, v]).filter((p) => p[1] !== null && p[1] !== undefined);
    if (points.length < 2) return null;
    const w = 200, h = 36, pad = 3;
    const ys = points.map((p) => p[1]);
    const lo = Math.min(...ys), hi = Math.max(...ys);
    const x = (i) => pad + (i / Math.max(values.length - 1, 1)) * (w - 2 * pad);
    const y = (v) => hi === lo ? h / 2 : h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    const path = document.createElementNS(SVG, "polyline");
    path.setAttribute("points", points.map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" "));
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "#1d4ed8");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(path);
    return svg;
  }

  /* Rewrite every <time data-local> in the viewer's time zone. */
  function localTimes(root) {
    (root || document).querySelectorAll("time[data-local]").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) el.textContent = stamp.format(when);
    });
  }

  window.MIA = {
    value, change, judge, duration, sparkline, localTimes,
    clock: (d) => clock.format(d || new Date()),
    stamp: (d) => stamp.format(d),
    csrf: () => (document.querySelector("meta[name=csrf-token]") || {}).content || "",
  };
  /* Format every server-written figure marked data-format-value / data-format-as. */
  function figures(root) {
    (root || document).querySelectorAll("[data-format-value]").forEach((el) => {
      const raw = el.getAttribute("data-format-value");
      if (raw === "" || raw === "None") return;
      const number = Number(raw);
      if (!isNaN(number)) el.textContent = value(number, el.getAttribute("data-format-as"));
    });
  }
  localTimes();
  figures();
})();
