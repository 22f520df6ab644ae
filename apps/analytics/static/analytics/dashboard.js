/* The live dashboard: draws the JSON API's figures and polls it every few seconds. */
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root) return;
  const api = root.dataset.api;
  const status = document.getElementById("status");
  const form = document.getElementById("period-form");
  const refreshMs = Number(root.dataset.refreshSeconds || 5) * 1000;
  const NO_DATA = "No data for this period";
  const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  let query = root.dataset.query;
  let busy = false;

  function text(el, value) { if (el) el.textContent = value; }

  function emptyChart(el) {
    if (window.Plotly) Plotly.purge(el);
    el.replaceChildren();
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = NO_DATA;
    el.appendChild(p);
    el.dataset.empty = "true";
  }

  function drawCards(data) {
    data.metrics.forEach((m) => {
      const card = root.querySelector('.card[data-metric="' + m.metric_type + '"]');
      if (!card) return;
      const valueEl = card.querySelector("[data-value]");
      const changeEl = card.querySelector("[data-change]");
      const basisEl = card.querySelector("[data-basis]");
      const sparkEl = card.querySelector("[data-spark]");
      const empty = m.value === null || (m.format === "percent" && !m.denominator) ||
        (m.format === "count" && !m.sample_size && !m.value);
      card.dataset.empty = empty ? "true" : "false";
      if (empty) {
        valueEl.textContent = NO_DATA;
        valueEl.className = "value empty";
        changeEl.textContent = "";
        basisEl.textContent = "";
        sparkEl.replaceChildren();
        return;
      }
      valueEl.className = "value";
      valueEl.textContent = MIA.value(m.value, m.format);
      const verdict = MIA.judge(m.change, m.good_direction);
      changeEl.className = "change " + verdict;
      const words = { good: " (better)", bad: " (worse)", flat: "" }[verdict];
      changeEl.textContent = MIA.change(m.change, m.format) + words + " vs previous period";
      const basis = m.format === "percent" && m.denominator
        ? MIA.value(m.numerator, "count") + " of " + MIA.value(m.denominator, "count")
        : "";
      basisEl.textContent = [basis, "sample " + MIA.value(m.sample_size, "count")].filter(Boolean).join(" · ");
      const points = (data.series[m.metric_type] || []).filter((p) => !p.partial).map((p) => p.value);
      const spark = MIA.sparkline(points, m.label + " per day");
      sparkEl.replaceChildren(...(spark ? [spark] : []));
    });
  }

  function drawTrend(data) {
    const el = document.getElementById("trend-chart");
    const traces = [];
    data.metrics.filter((m) => m.format === "percent").forEach((m) => {
      const points = data.series[m.metric_type] || [];
      const final = points.filter((p) => !p.partial && p.value !== null);
      const partial = points.filter((p) => p.partial && p.value !== null);
      if (!final.length && !partial.length) return;
      traces.push({
        type: "scatter", mode: "lines+markers", name: m.label, legendgroup: m.metric_type,
        x: points.filter((p) => !p.partial).map((p) => p.date),
        y: points.filter((p) => !p.partial).map((p) => p.value),
        hovertemplate: "%{x}: %{y:.1%}<extra>" + m.label + "</extra>",
      });
      if (partial.length) {
        traces.push({
          type: "scatter", mode: "markers", name: m.label + " (today, in progress)",
          legendgroup: m.metric_type, showlegend: false,
          x: partial.map((p) => p.date), y: partial.map((p) => p.value),
          marker: { symbol: "circle-open", size: 10 },
          hovertemplate: "%{x} (partial): %{y:.1%}<extra>" + m.label + "</extra>",
        });
      }
    });
    if (!traces.length) return emptyChart(el);
    if (el.dataset.empty === "true") { el.replaceChildren(); el.dataset.empty = "false"; }
    Plotly.react(el, traces, {
      margin: { t: 10, r: 10, b: 40, l: 50 }, height: 320,
      yaxis: { tickformat: ".0%", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.2 }, font: { color: "#1f2933" },
    }, PLOT_CONFIG);
  }

  function drawEngagement(data) {
    const el = document.getElementById("engagement-chart");
    const byType = (data.engagement || {}).events_by_type || {};
    const kinds = Object.keys(byType);
    if (!kinds.length) return emptyChart(el);
    if (el.dataset.empty === "true") { el.replaceChildren(); el.dataset.empty = "false"; }
    Plotly.react(el, [{
      type: "bar", orientation: "h", y: kinds.map((k) => k.replace(/_/g, " ")),
      x: kinds.map((k) => byType[k]), marker: { color: "#1d4ed8" },
      hovertemplate: "%{y}: %{x:,} events<extra></extra>",
    }], { margin: { t: 10, r: 10, b: 30, l: 140 }, height: 240, font: { color: "#1f2933" } }, PLOT_CONFIG);
  }

  function drawCompetition(data) {
    const c = data.competition || { competitors: [], rising: [] };
    const body = document.querySelector("#competitors tbody");
    const risers = document.getElementById("risers");
    body.replaceChildren();
    if (!c.competitors.length) {
      const row = body.insertRow();
      const cell = row.insertCell();
      cell.colSpan = 4; cell.className = "empty"; cell.textContent = NO_DATA;
      text(risers, "");
      return;
    }
    c.competitors.slice(0, 10).forEach((comp) => {
      const row = body.insertRow();
      row.insertCell().textContent = comp.competitor;
      [MIA.value(comp.mentions, "count"), MIA.value(comp.share_of_voice, "percent"),
       MIA.change(comp.share_change, "percent")].forEach((v) => {
        const cell = row.insertCell(); cell.className = "num"; cell.textContent = v;
      });
    });
    text(risers, c.rising.length ? "Rising: " + c.rising.join(", ") : "No competitor is rising this period.");
  }

  function drawLive(data) {
    text(document.getElementById("active-now"), MIA.value(data.active_users_now, "count"));
    const health = document.getElementById("health-status");
    if (health && data.system_health) {
      const s = data.system_health.status;
      health.replaceChildren();
      const badge = document.createElement("span");
      badge.className = "badge " + s; badge.textContent = s;
      health.append("Overall: ", badge, " (" + data.system_health.components.length + " checks)");
    }
    const alerts = document.getElementById("open-alerts");
    if (alerts && data.open_alerts) {
      alerts.replaceChildren();
      if (!data.open_alerts.length) {
        const li = document.createElement("li"); li.className = "empty"; li.textContent = "No open alerts.";
        alerts.appendChild(li);
      }
      data.open_alerts.slice(0, 8).forEach((a) => {
        const li = document.createElement("li");
        const badge = document.createElement("span");
        badge.className = "badge " + a.state; badge.textContent = a.state;
        li.append(badge, " " + a.rule + " · " + a.severity + (a.since ? " · since " + MIA.stamp(new Date(a.since)) : ""));
        alerts.appendChild(li);
      });
    }
  }

  function render(data) {
    drawCards(data);
    if (window.Plotly) { drawTrend(data); drawEngagement(data); }
    drawCompetition(data);
    drawLive(data);
    root.dataset.loaded = "true";
    text(status, "Updated " + MIA.clock() + (data.is_cached ? " · figures computed at " + MIA.clock(new Date(data.last_refresh)) : ""));
  }

  async function load() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(api + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) {
        const fields = (body.error && body.error.fields) || {};
        const named = Object.keys(fields).map((k) => k + ": " + [].concat(fields[k]).join(" ")).join("; ");
        text(status, "Could not load: " + ((body.error && body.error.message) || response.status) + (named ? " (" + named + ")" : ""));
        return;
      }
      render(body);
    } catch (error) {
      text(status, "Could not refresh (" + error.message + "); retrying.");
    } finally {
      busy = false;
    }
  }

  function periodQuery() {
    const data = new FormData(form);
    const params = new URLSearchParams(root.dataset.whoQuery);
    if (data.get("start") && data.get("end")) {
      params.set("start", data.get("start")); params.set("end", data.get("end"));
    } else {
      params.set("days", data.get("days") || "7");
    }
    return params.toString();
  }

  function applyPeriod() {
    query = periodQuery();
    history.replaceState(null, "", "?" + query);
    root.querySelectorAll(".card h3 a").forEach((a) => { a.search = query; });
    text(status, "Loading…");
    load();
  }

  if (form) {
    form.addEventListener("submit", (event) => { event.preventDefault(); applyPeriod(); });
    form.querySelectorAll('input[name="days"]').forEach((radio) => radio.addEventListener("change", () => {
      form.querySelector("#start").value = ""; form.querySelector("#end").value = "";
      applyPeriod();
    }));
    const who = form.querySelector("[data-who]");
    if (who) who.addEventListener("change", () => {
      const params = new URLSearchParams(who.value);
      const period = new URLSearchParams(query);
      ["days", "start", "end"].forEach((k) => { if (period.get(k)) params.set(k, period.get(k)); });
      window.location.search = params.toString();
    });
  }
  load();
  setInterval(() => { if (!document.hidden) load(); }, refreshMs);
})();
