// Every API through a gateway, end to end with the real mock: each of the
// four APIs (--api), unary and streamed, through the built-in proxy and
// through nginx (examples/nginx.conf.tmpl). Each run succeeds whole, the
// mock counts every request under that API and refuses none, and a stream
// delivers every token the mock planned, no sooner than the mock's TTFT.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { APIS } from "../../src/apis.ts";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
const needNginx = process.env.CI === "true" || process.env.CI === "1";
const { dir, tagged } = scratch("gatebench-apis-gw-");

const REQUESTS = 20;
const TOKENS = 6;

const GATEWAYS: [string, () => string[]][] = [
  ["the built-in proxy", () => []],
  ["nginx", () => ["--gateway", `${nginx} -p ${dir} -c {{CONFIG}}`, "--config-template", join(ROOT, "examples", "nginx.conf.tmpl")]],
];

const cases = GATEWAYS.flatMap(([gw, args]) => APIS.flatMap((api) => [false, true].map((stream) => [gw, api, stream, args] as const)));

describe.concurrent.skipIf(!nginx && !needNginx)("every API through a gateway", () => {
  test.each(cases)(
    "%s, --api %s, streamed: %p",
    async (gw, api, stream, gatewayArgs) => {
      const tag = tagged();
      const json = join(dir, `${gw.replaceAll(" ", "-")}-${api}-${stream}.json`);
      const r = await cli(
        [
          "run",
          "--api",
          api,
          ...(stream ? ["--stream", "--mock-ttft", "80ms", "--mock-itl", "10ms"] : []),
          ...gatewayArgs(),
          "--mock-tokens",
          String(TOKENS),
          "--rate",
          String(REQUESTS),
          "--duration",
          "1s",
          "--idle",
          "0s",
          "--cooldown",
          "0s",
          "--baseline",
          "off",
          "--port",
          "0",
          "--mock-port",
          "0",
          "--json",
          json,
        ],
        { tag, timeoutMs: 45_000 },
      );
      if (r.code !== 0) throw new Error(`gatebench exited with ${r.code}\n${r.stderr}`);
      expect(processesWithTag(tag)).toEqual([]);
      const doc = JSON.parse(readFileSync(json, "utf8"));
      const s = doc.summary;
      expect(doc.config.api).toBe(api);
      expect(s.requests.total).toBe(REQUESTS);
      expect(s.requests.success_ratio).toBe(1);
      expect(s.errors).toEqual({});
      const byApi = doc.run.mock.received.by_api;
      expect(byApi[api]).toEqual({ requests: REQUESTS, rejected: 0 });
      for (const other of APIS) if (other !== api) expect(byApi[other].requests).toBe(0);
      if (stream) {
        expect(doc.run.mock.received.streams_completed).toBe(REQUESTS);
        expect(s.output_tokens.total).toBe(REQUESTS * TOKENS);
        // the mock's TTFT is a floor; the rest is timing on a machine these sixteen runs share
        expect(s.ttft_ms.p50).toBeGreaterThanOrEqual(80);
        expect(s.itl_ms.count).toBe(REQUESTS * (TOKENS - 1));
      }
    },
    60_000,
  );
});
