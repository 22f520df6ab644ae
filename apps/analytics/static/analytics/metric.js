/* A metric's detail chart: its daily series from the dashboard API, refreshed. */
(function () {
  "use strict";
  const root = document.getElementById("metric");
  if (!root || !window.Plotly) return;
  const el = document.getElementById("series-chart");
  const status = document.getElementById("status");
  const metric = root.dataset.metric;
  const percent = root.dataset.format === "percent";

  function draw(data) {
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
      draw(await response.json());
      root.dataset.loaded = "true";
      status.textContent = "Updated " + MIA.clock();
    } catch (error) {
      status.textContent = "Could not refresh (" + error.message + "); retrying.";
    }
  }
  load();
  setInterval(() => { if (!document.hidden) load(); }, Number(root.dataset.refreshSeconds || 30) * 1000);
})();
