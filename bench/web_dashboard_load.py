"""Dashboard page load in headless Chromium: time and transferred bytes, cold
(empty browser cache) and warm (the same browser opening it again).

Run by hand against a running server with demo data, e.g. `make run`:
    .venv/bin/python bench/web_dashboard_load.py http://127.0.0.1:8000 manager demo
"""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Navigation and resources: what crossed the wire (transferSize: 0 when served
# from the cache), the bodies' size, and when the page was complete.
MEASURE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const all = [nav, ...res];
  return {
    transferred: all.reduce((n, e) => n + (e.transferSize || 0), 0),
    decoded: all.reduce((n, e) => n + (e.decodedBodySize || 0), 0),
    requests: all.length,
    dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
    load_ms: Math.round(nav.loadEventEnd),
    largest: res.map(e => [e.name.split("/").pop().split("?")[0], e.transferSize])
                .sort((a, b) => b[1] - a[1]).slice(0, 3),
  };
}"""


def measure(base, username, password):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("#dashboard[data-loaded='true']", timeout=60_000)
        results = {}
        for label in ("cold", "warm"):
            if label == "cold":
                # A fresh context: nothing cached, signed in with the same session.
                cold = browser.new_context(storage_state=context.storage_state())
                target = cold.new_page()
            else:
                target = cold.new_page()
            ready = {}
            target.goto(f"{base}/dashboard/")
            target.wait_for_selector("#dashboard[data-loaded='true']", timeout=60_000)
            ready["data_drawn_ms"] = target.evaluate(
                "() => Math.round(performance.now())"
            )
            target.wait_for_load_state("load")
            results[label] = {**target.evaluate(MEASURE), **ready}
        browser.close()
    return results


if __name__ == "__main__":
    base, user, password = (
        sys.argv[1:] + ["http://127.0.0.1:8000", "manager", "demo"][len(sys.argv) - 1 :]
    )[:3]
    for label, figures in measure(base, user, password).items():
        print(label, figures)
