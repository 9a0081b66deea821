// The mock as the provider behind a real proxy: nginx forwards to the mock
// gatebench starts (on a port nginx was configured with), and gatebench
// loads nginx with --target: unary and streaming, every request counted on
// both sides, streams passed through as they come (proxy_buffering off).
// The nginx config is the shipped examples/nginx.conf.tmpl.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/process/ports.ts";
import { render } from "../../src/gateway/template.ts";
import { cli, killTagged, newTag, processesWithTag, ROOT, waitFor } from "./helpers.ts";

const nginxBin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => Bun.file(p).size > 0);
// CI installs nginx (.ci/run); elsewhere the test says it was skipped and why
const needNginx = process.env.CI === "true" || process.env.CI === "1";
const dir = mkdtempSync(join(tmpdir(), "gatebench-nginx-"));
const tags: string[] = [];
let nginx: ReturnType<typeof Bun.spawn> | undefined;

afterAll(async () => {
  if (nginx) {
    nginx.kill("SIGTERM");
    await nginx.exited;
  }
  for (const t of tags) killTagged(t);
  rmSync(dir, { recursive: true, force: true });
});

/** nginx from the shipped template, pointed at the mock's port ahead of the mock (gatebench starts it on that port). */
async function startNginx(port: number, mockPort: number): Promise<void> {
  const config = join(dir, "nginx.conf");
  const template = readFileSync(join(ROOT, "examples", "nginx.conf.tmpl"), "utf8");
  writeFileSync(
    config,
    render(
      template,
      {
        PORT: String(port),
        HOST: "127.0.0.1",
        MOCK_URL: `http://127.0.0.1:${mockPort}/v1`,
        MOCK_ORIGIN: `http://127.0.0.1:${mockPort}`,
        MOCK_HOST: "127.0.0.1",
        UPSTREAM_API: "chat",
        MOCK_PORT: String(mockPort),
        CONFIG: config,
      },
      {},
      "nginx.conf.tmpl",
    ),
  );
  nginx = Bun.spawn([nginxBin!, "-p", dir, "-c", config], { stdout: "ignore", stderr: "pipe" });
  await waitFor(
    async () => {
      try {
        const c = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
        c.end();
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    "nginx to listen",
  );
}

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

describe.skipIf(!nginxBin && !needNginx)("nginx in front of the mock", () => {
  const port = freePort("127.0.0.1");
  const mockPort = freePort("127.0.0.1");

  async function run(name: string, args: string[]): Promise<Doc> {
    const tag = newTag();
    tags.push(tag);
    const json = join(dir, `${name}.json`);
    const r = await cli(["run", "--target", `http://127.0.0.1:${port}`, "--mock-port", String(mockPort), "--json", json, ...args], { tag });
    expect(r.stderr).not.toContain("    at ");
    expect(r.code).toBe(0);
    expect(processesWithTag(tag)).toEqual([]);
    return JSON.parse(readFileSync(json, "utf8"));
  }

  test("unary and streaming through nginx: every request reaches the mock, streams pass through unbuffered", async () => {
    expect(nginxBin).toBeDefined();
    await startNginx(port, mockPort);
    const unary = await run("unary", ["--rate", "50", "--duration", "1s"]);
    expect(unary.summary.requests.total).toBe(50);
    expect(unary.summary.requests.success_ratio).toBe(1);
    expect(unary.run.mock.received.requests).toBe(50);
    expect(unary.run.gateway.kind).toBe("external");
    // nginx reuses its upstream connections (keepalive)
    expect(unary.run.mock.received.connections).toBeLessThanOrEqual(16);

    const stream = await run("stream", ["--rate", "10", "--duration", "1s", "--stream"]);
    const s = stream.summary;
    expect(s.requests.success_ratio).toBe(1);
    expect(stream.run.mock.received.streams_completed).toBe(10);
    // the mock's defaults: first token at 80 ms, then one every 30 ms
    expect(s.ttft_ms.min).toBeGreaterThanOrEqual(80);
    expect(s.ttft_ms.p50).toBeLessThan(80 + 60);
    expect(s.itl_ms.p50).toBeGreaterThan(20);
    expect(s.itl_ms.p50).toBeLessThan(45);
  }, 60_000);
});
