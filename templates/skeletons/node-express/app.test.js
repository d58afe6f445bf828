// Unit tests, with Node's own runner: `node --test` (or `npm test`).
const test = require("node:test");
const assert = require("node:assert");

const app = require("./app");

test("GET /healthz answers ok", async () => {
  const server = app.listen(0);
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const { port } = server.address();
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.strictEqual(response.status, 200);
    assert.deepStrictEqual(await response.json(), { status: "ok" });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
