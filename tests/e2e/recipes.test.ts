// The recipes under examples/ that need no third-party gateway here, each
// run the way its header documents it:
// - admin-api.sh: a gateway that starts with no routes (the admin-gateway
//   fixture) provisioned by --setup and cleaned up by --teardown;
// - litellm.config.yaml.tmpl: rendered as gatebench renders it, checked as
//   YAML, and its documented command run with a stand-in for the `litellm`
//   executable (LiteLLM is Python and is not installed here).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfig } from "../../src/gateway/external.ts";
import { defaultChatBody } from "../../src/run/workload.ts";
import { documentedRun, documentedRuns, flagValues, withFlag } from "./fixtures/documented.ts";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const inCi = process.env.CI === "true" || process.env.CI === "1";
const hasCurl = Bun.which("curl") !== null;
const { dir, tagged } = scratch("gatebench-recipes-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

/** Runs `gatebench` with `argv` on free ports and a short load; the exit code and the JSON result. */
async function run(name: string, argv: string[]): Promise<{ code: number | null; stderr: string; doc: Doc }> {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  let args = withFlag(argv, ["--port"], "0");
  args = withFlag(args, ["--mock-port"], "0");
  args = withFlag(args, ["-rate", "--rate"], "20");
  args = withFlag(args, ["-duration", "--duration"], "1s");
  const r = await cli([...args, "--json", json], { tag });
  expect(r.stderr).not.toContain("    at ");
  // the gateway, its setup and teardown: nothing of them is left
  expect(processesWithTag(tag)).toEqual([]);
  return { code: r.code, stderr: r.stderr, doc: existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined };
}

/** `argv` with the --gateway command's first word (the executable) replaced by `exe`. */
function gatewayRunWith(argv: string[], exe: string): string[] {
  const [command] = flagValues(argv, ["--gateway"]);
  if (!command) throw new Error("the documented command has no --gateway");
  return withFlag(argv, ["--gateway"], command.replace(/^\S+/, exe));
}

describe.concurrent.skipIf(!hasCurl && !inCi)("admin-api.sh: a gateway provisioned through its admin API", () => {
  const script = readFileSync(join(ROOT, "examples", "admin-api.sh"), "utf8");
  const fixture = `'${process.execPath}' '${join(ROOT, "tests", "e2e", "fixtures", "admin-gateway.ts")}'`;

  test("--setup creates the route before the load and --teardown deletes it: every request reaches the mock", async () => {
    expect(hasCurl).toBe(true);
    const argv = gatewayRunWith(documentedRun(script), fixture);
    expect(flagValues(argv, ["--setup"])).toEqual(["sh examples/admin-api.sh create"]);
    const { code, stderr, doc } = await run("admin-setup", argv);
    if (code !== 0) throw new Error(`gatebench exited with ${code}\n${stderr}`);
    expect(doc.summary.requests.total).toBe(20);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.requests).toBe(20);
    const log = readFileSync(doc.run.gateway.log, "utf8");
    expect(log).toContain(`route created: gatebench /v1 -> ${doc.run.mock.url}`);
    expect(log).toContain("route deleted: gatebench");
    expect(log.indexOf("route created")).toBeLessThan(log.indexOf("route deleted"));
  }, 60_000);

  test("without --setup the gateway has no route: every request is a 404, the mock sees none; no request succeeded, so exit 3 naming the URL", async () => {
    const argv = gatewayRunWith(["run", "--gateway", "my-gateway --port {{PORT}}", "--min-success", "100%"], fixture);
    const { code, stderr, doc } = await run("admin-no-setup", argv);
    expect(code).toBe(3);
    expect(stderr).toContain("no request succeeded (404 × 20)");
    expect(stderr).toContain(`Likely cause: ${doc.run.target} was not found`);
    expect(doc.summary.requests.total).toBe(20);
    expect(doc.summary.requests.success_ratio).toBe(0);
    expect(doc.summary.status_codes).toEqual({ "404": 20 });
    expect(doc.run.mock.received.requests).toBe(0);
  }, 60_000);
});

describe.concurrent("litellm.config.yaml.tmpl", () => {
  const templatePath = join(ROOT, "examples", "litellm.config.yaml.tmpl");
  const template = readFileSync(templatePath, "utf8");
  const mockUrl = "http://127.0.0.1:9091/v1";

  test("renders to YAML whose model_list sends the model gatebench asks for, and any other, to the mock", () => {
    const values = {
      PORT: "4000",
      HOST: "127.0.0.1",
      MOCK_URL: mockUrl,
      MOCK_ORIGIN: "http://127.0.0.1:9091",
      MOCK_HOST: "127.0.0.1",
      MOCK_PORT: "9091",
      UPSTREAM_API: "chat",
      CONFIG: "/tmp/config.yaml",
    };
    const spec = { command: "litellm", shell: false, configTemplate: templatePath, keepTemp: false, env: [], cwd: undefined, readyUrl: undefined };
    const config = Bun.YAML.parse(renderConfig(spec, values)!) as Doc;
    const sent = JSON.parse(new TextDecoder().decode(defaultChatBody(false))).model as string;
    expect(sent).toBe("gpt-4o-mini");

    const entries: Doc[] = config.model_list;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.litellm_params.api_base).toBe(mockUrl);
      // an OpenAI-compatible API at api_base
      expect(e.litellm_params.model).toStartWith("openai/");
      expect(typeof e.litellm_params.api_key).toBe("string");
    }
    const exact = entries.find((e) => e.model_name === sent);
    expect(exact.litellm_params.model).toBe(`openai/${sent}`);
    expect(entries.some((e) => e.model_name === "*")).toBe(true);
    expect(config.litellm_settings.num_retries).toBe(0);
  });

  test("its documented command runs: unary and streaming through a stand-in for the litellm executable reach the mock", async () => {
    const documented = documentedRun(template);
    expect(flagValues(documented, ["--gateway"])).toEqual(["litellm --config {{CONFIG}} --host {{HOST}} --port {{PORT}}"]);
    expect(flagValues(documented, ["--config-template"])).toEqual(["examples/litellm.config.yaml.tmpl"]);
    const argv = gatewayRunWith(documented, `'${process.execPath}' '${join(ROOT, "tests", "e2e", "fixtures", "litellm-stand-in.ts")}'`);

    const unary = await run("litellm-unary", argv);
    if (unary.code !== 0) throw new Error(`gatebench exited with ${unary.code}\n${unary.stderr}`);
    expect(unary.doc.summary.requests.success_ratio).toBe(1);
    expect(unary.doc.run.mock.received.requests).toBe(unary.doc.summary.requests.total);

    // another model name goes through the "*" entry
    const stream = await run("litellm-stream", [...argv, "--stream", "--model", "gpt-4.1", "--mock-tokens", "5"]);
    expect(stream.code).toBe(0);
    expect(stream.doc.summary.requests.success_ratio).toBe(1);
    expect(stream.doc.run.mock.received.streams_completed).toBe(stream.doc.summary.requests.total);
  }, 60_000);
});

describe.concurrent("examples/README.md", () => {
  // the flags that say how the gateway is started and reached; the load (-rate, -duration, -stream) may differ
  const GATEWAY_FLAGS = ["--gateway", "--config-template", "--setup", "--teardown", "--ready-url", "--ready-timeout", "--mock-port", "-H", "--header"];
  const wiring = (argv: string[]): string[][] => GATEWAY_FLAGS.map((f) => flagValues(argv, [f]));

  /** The file that documents a command: its config template, its setup script, or the Portkey recipe. */
  function sourceOf(argv: string[]): string {
    const template = flagValues(argv, ["--config-template"])[0];
    if (template) return template;
    const setup = flagValues(argv, ["--setup"])[0];
    if (setup) return setup.split(" ")[1]!;
    if (flagValues(argv, ["--gateway"])[0]?.includes("@portkey-ai/gateway")) return "examples/portkey.md";
    throw new Error(`no source file for: gatebench ${argv.join(" ")}`);
  }

  test("every command it shows starts the gateway exactly as the recipe's own file documents", () => {
    const commands = documentedRuns(readFileSync(join(ROOT, "examples", "README.md"), "utf8"));
    // nginx ×2, HAProxy ×2, admin API, LiteLLM, Portkey
    expect(commands.length).toBe(7);
    for (const argv of commands) {
      const documented = documentedRuns(readFileSync(join(ROOT, sourceOf(argv)), "utf8")).map(wiring);
      expect(documented).toContainEqual(wiring(argv));
    }
  });
});
