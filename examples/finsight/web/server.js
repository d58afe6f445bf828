// finsight's page: asks api, predict and ingest (server-side, by service name) and renders
// what they say. Node 18's global fetch; express from npm.
const express = require("express");

const port = Number(process.env.PORT || 3000);
const services = {
  api: process.env.API_URL || "http://localhost:8000",
  predict: process.env.PREDICT_URL || "http://localhost:8001",
  ingest: process.env.INGEST_URL || "http://localhost:8002",
};

async function ask(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { ok: response.ok, body: await response.json() };
  } catch (error) {
    return { ok: false, body: { error: String(error.message || error) } };
  }
}

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const app = express();

app.get("/health", (_req, res) => res.json({ ok: true }));

app.get("/", async (_req, res) => {
  const [records, forecast, events] = await Promise.all([
    ask(`${services.api}/records`),
    ask(`${services.predict}/forecast?values=101,103,104,107,109&horizon=1`),
    ask(`${services.ingest}/events/count`),
  ]);
  const row = (name, answer, text) =>
    `<tr><th>${name}</th><td>${answer.ok ? escape(text(answer.body)) : "unavailable: " + escape(answer.body.error || answer.body.detail)}</td></tr>`;
  res.type("html").send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>finsight</title></head>
<body>
<h1>finsight</h1>
<table>
${row("records", records, (b) => `${b.count} records, total ${b.total}`)}
${row("forecast", forecast, (b) => `next close ${b.forecast} (${b.kernel}, Python ${b.python})`)}
${row("events", events, (b) => `${b.count} events queued`)}
</table>
</body>
</html>
`);
});

app.listen(port, () => console.log(`web: listening on ${port}`));
