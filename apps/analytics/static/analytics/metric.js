/* A metric's detail chart: its daily series from the dashboard API, refreshed. */
(function () {
  "use strict";
  const root = document.getElementById("metric");
  if (!root || !window.Plotly) return;
  const el = document.getElementById("series-chart");
  const status = document.getElementById("status");
  const metric = root.dataset.metric;
  const percent = root.dataset.format === "percent";

  const day = (timestamp) => String(timestamp).slice(0, 10);  // a local day's midnight

  /* The insights API's forecast bands (80% and 95%) and anomaly markers. */
  function insightTraces(insights, hover) {
    const traces = [];
    const f = insights.forecast;
    if (f && f.timestamps && f.timestamps.length) {
      const x = f.timestamps.map(day);
      const band = (lower, upper, name, colour) => [
        { type: "scatter", mode: "lines", x, y: lower, line: { width: 0 }, hoverinfo: "skip", showlegend: false, legendgroup: name },
        { type: "scatter", mode: "lines", x, y: upper, line: { width: 0 }, fill: "tonexty", fillcolor: colour, name, legendgroup: name,
          hovertemplate: "%{x}: up to " + hover.replace("%{x}: ", "") + "<extra>" + name + "</extra>" },
      ];
      traces.push(...band(f.lower_95, f.upper_95, "Forecast, 95% band", "rgba(29, 78, 216, 0.12)"));
      traces.push(...band(f.lower_80, f.upper_80, "Forecast, 80% band", "rgba(29, 78, 216, 0.25)"));
      traces.push({ type: "scatter", mode: "lines", x, y: f.mean, name: "Forecast (" + f.model + ")",
        line: { dash: "dash", color: "#1d4ed8" }, hovertemplate: hover + "<extra>forecast</extra>" });
    }
    const anomalies = insights.anomalies || [];
    if (anomalies.length) {
      traces.push({
        type: "scatter", mode: "markers", name: "Anomaly",
        x: anomalies.map((a) => day(a.timestamp)), y: anomalies.map((a) => a.observed),
        marker: { symbol: "x", size: 12, color: "#b42318", line: { width: 2 } },
        customdata: anomalies.map((a) => [a.severity, a.expected, a.score]),
        hovertemplate: hover + " anomaly (%{customdata[0]}, score %{customdata[2]:.1f})<extra></extra>",
      });
    }
    return traces;
  }

  async function insights() {
    const params = new URLSearchParams(root.dataset.query);
    params.set("metric_type", metric);
    const response = await fetch(root.dataset.insights + "?" + params.toString(), { credentials: "same-origin" });
    if (!response.ok) return null;
    return response.json();
  }

  function draw(data, found) {
    const points = data.series[metric] || [];
    const final = points.filter((p) => !p.partial);
    const partial = points.filter((p) => p.partial && p.value !== null);
    if (!points.some((p) => p.value !== null)) {
      Plotly.purge(el);
      el.replaceChildren();
      const p = document.createElement("p");
      p.className = "empty"; p.textContent = "No data for this period";
      el.appendChild(p);
      return;
    }
    const hover = percent ? "%{x}: %{y:.1%}" : "%{x}: %{y:,}";
    const traces = [{
      type: "scatter", mode: "lines+markers", name: "Daily value",
      x: final.map((p) => p.date), y: final.map((p) => p.value),
      line: { color: "#1d4ed8" }, hovertemplate: hover + "<extra></extra>",
    }];
    if (partial.length) {
      traces.push({
        type: "scatter", mode: "markers", name: "Today (in progress)",
        x: partial.map((p) => p.date), y: partial.map((p) => p.value),
        marker: { symbol: "circle-open", size: 11, color: "#1d4ed8" },
        hovertemplate: hover + " (partial)<extra></extra>",
      });
    }
    if (found) traces.push(...insightTraces(found, hover));
    Plotly.react(el, traces, {
      margin: { t: 10, r: 10, b: 40, l: 55 }, height: 360,
      yaxis: percent ? { tickformat: ".0%" } : {},
      legend: { orientation: "h", y: -0.2 }, font: { color: "#1f2933" },
    }, { displaylogo: false, responsive: true });
  }

  async function load() {
    try {
      const response = await fetch(root.dataset.api + "?" + root.dataset.query, { credentials: "same-origin" });
      if (!response.ok) { status.textContent = "Could not load the series (" + response.status + ")."; return; }
      const data = await response.json();
      draw(data, await insights().catch(() => null));
      root.dataset.loaded = "true";
      status.textContent = "Updated " + MIA.clock();
    } catch (error) {
      status.textContent = "Could not refresh (" + error.message + "); retrying.";
    }
  }
  const who = document.querySelector("[data-who]");
  if (who) who.addEventListener("change", () => {
    const params = new URLSearchParams(who.value);
    const period = new URLSearchParams(root.dataset.query);
    ["days", "start", "end"].forEach((k) => { if (period.get(k)) params.set(k, period.get(k)); });
    window.location.search = params.toString();
  });
  load();
  setInterval(() => { if (!document.hidden) load(); }, Number(root.dataset.refreshSeconds || 30) * 1000);
})();
