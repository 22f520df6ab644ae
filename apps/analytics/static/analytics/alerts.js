/* Acknowledge or silence an alert through the alerting API (admins only). */
(function () {
  "use strict";
  const status = document.getElementById("status");
  const API = "/api/v1/analytics/alerts/";

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": MIA.csrf() },
      body: body ? JSON.stringify(body) : null,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((data.error && data.error.message) || String(response.status));
    return data;
  }

  document.addEventListener("click", async (event) => {
    const ack = event.target.closest("[data-acknowledge]");
    const silence = event.target.closest("[data-silence]");
    try {
      if (ack) {
        await post(API + ack.dataset.acknowledge + "/acknowledge/");
        ack.closest("tr").querySelector("[data-acknowledged]").textContent = "just now";
        ack.remove();
        status.textContent = "Alert acknowledged.";
      } else if (silence) {
        const ends = new Date(Date.now() + 4 * 3600 * 1000).toISOString();
        await post(API + "silences/", { matchers: JSON.parse(silence.dataset.labels), reason: "Silenced from the alerts page", ends_at: ends });
        silence.disabled = true;
        status.textContent = "Alerts with these labels are silenced for 4 hours.";
      }
    } catch (error) {
      status.textContent = "Could not do that: " + error.message;
    }
  });
})();
