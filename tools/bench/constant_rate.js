// Constant-rate load for `make bench` (benchmarks/_rate.py): autocannon holding RATE requests
// per second over all connections, so latency is measured below saturation, not at it.
//
// Environment: URL (server root), LOUAGE_MODE (search | hold | healthz), LOUAGE_DATA (the
// same data file as benchmarks/wrk/louage.lua: "token …", "trip …", "query …" lines), RATE,
// SECONDS, CONNECTIONS. Prints one line "LOUAGE_RESULT {json}".
"use strict";
const fs = require("fs");
const autocannon = require("autocannon");

const mode = process.env.LOUAGE_MODE || "search";
const data = { token: [], trip: [], query: [] };
for (const line of fs.readFileSync(process.env.LOUAGE_DATA, "utf8").split("\n")) {
  const match = line.match(/^(\S+) (.+)$/);
  if (match && data[match[1]]) data[match[1]].push(match[2]);
}
const pick = (list) => list[Math.floor(Math.random() * list.length)];

function setupRequest(request) {
  if (mode === "healthz") return { ...request, method: "GET", path: "/healthz" };
  if (mode === "hold") {
    return {
      ...request,
      method: "POST",
      path: "/api/v1/reservations",
      headers: { "content-type": "application/json", authorization: `Bearer ${pick(data.token)}` },
      body: JSON.stringify({ trip_id: Number(pick(data.trip)), seats: 1 }),
    };
  }
  return { ...request, method: "GET", path: `/api/v1/trips?${pick(data.query)}` };
}

autocannon(
  {
    url: process.env.URL,
    connections: Number(process.env.CONNECTIONS || 32),
    duration: Number(process.env.SECONDS || 15),
    overallRate: Number(process.env.RATE),
    timeout: 10,
    requests: [{ setupRequest }],
  },
  (error, result) => {
    if (error) throw error;
    const statuses = {};
    for (const [code, entry] of Object.entries(result.statusCodeStats || {})) {
      statuses[`${mode} ${code}`] = entry.count;
    }
    const figures = {
      requests: result.requests.total,
      seconds: result.duration,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      max_ms: result.latency.max,
      errors: result.errors,
      timeouts: result.timeouts,
      statuses,
    };
    console.log("LOUAGE_RESULT " + JSON.stringify(figures));
  },
);
