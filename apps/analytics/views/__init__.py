"""The web app's pages: dashboard, metric detail, system health, alerts, reports
and exports. Each page resolves the viewer's Scope once, as the API does."""
