// The mock as the provider behind a real proxy: nginx forwards to the mock
// gatebench starts (on a port nginx was configured with), and gatebench
// loads nginx with --target: unary and streaming, every request counted on
// both sides, streams passed through as they come (proxy_buffering off).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, killTagged, newTag, processesWithTag, waitFor } from "./helpers.ts";

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

/** A port that was free a moment ago (bound to 0, then released). */
function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function startNginx(port: number, mockPort: number): Promise<void> {
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mock { server 127.0.0.1:${mockPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`,
  );
  nginx = Bun.spawn([nginxBin!, "-p", dir, "-c", join(dir, "nginx.conf")], { stdout: "ignore", stderr: "pipe" });
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
  const port = freePort();
  const mockPort = freePort();

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
    // nginx reuses its upstream connections (keepalive 16)
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
