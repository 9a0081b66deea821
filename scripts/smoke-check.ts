// Checks a smoke benchmark's result: every planned request sent, all of them
// answered, and the mock received exactly as many.
//   bun scripts/smoke-check.ts result.json <expected requests>
const [file, expected] = process.argv.slice(2);
if (!file || !expected) {
  console.error("usage: bun scripts/smoke-check.ts result.json <expected requests>");
  process.exit(2);
}
const doc = await Bun.file(file).json();
const q = doc.summary.requests;
const received = doc.run.mock?.received?.requests;
if (q.total !== Number(expected) || q.success_ratio !== 1 || received !== q.total) {
  console.error(`smoke: wrong result: expected ${expected} requests all answered; got ${JSON.stringify(q)}, mock received ${received}`);
  process.exit(1);
}
console.error(`smoke: ok: ${q.total} requests, success ${q.success_ratio}, p99 ${doc.summary.latency_ms.p99} ms (${doc.tool?.os ?? "?"})`);
