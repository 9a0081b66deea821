// Flags → a validated RunConfig: every value checked, flags that cannot go
// together refused, gates read and checked against what the run measures,
// output paths checked, all before anything starts.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { API_TITLES, apiOfPath, apiPath } from "../../apis.ts";
import type { GatewaySpec } from "../../gateway/external.ts";
import { FETCH_POOL_SIZE } from "../../load/fetch.ts";
import { unmeasurable } from "../../metrics/gates/evaluate.ts";
import { SloError, type Slo } from "../../metrics/gates/expr.ts";
import { parseSlo } from "../../metrics/gates/parse.ts";
import { TARGET_PRESETS } from "../../metrics/verdicts.ts";
import { answerMs, baselineOrder, RUN_DEFAULTS, sliceFor, type RunConfig } from "../../run/config.ts";
import { UsageError } from "../errors.ts";
import { durationFlag, parseDuration, portFlag, ratioFlag, wholeNumberFlag } from "../values.ts";
import { checkFixed, mockModel, mockModelArgs, type MockModelValues } from "../commands/mock.ts";
import { procsFlag } from "../commands/mock-group.ts";
import { checkOutDir, checkWritableFile } from "./files.ts";
import { pinningOf, upstreamApiOf } from "./gateway-flags.ts";
import { precheck } from "./prechecks.ts";
import type { RunArgValues } from "./flags.ts";
import { apiFlag, clientFlag, headersFrom, instanceFlag, rateFlag, readableFile, startAtFlag, stepsFlag, urlFlag, wholeOrZero } from "./values.ts";

const D = RUN_DEFAULTS;

/** Refuses flags that cannot go together. */
function conflicts(given: (flag: string) => boolean, pairs: [string, string, string][]): void {
  for (const [a, b, why] of pairs) if (given(a) && given(b)) throw new UsageError(`--${a} and --${b} cannot be used together: ${why}`);
}

/** A flag without a default: undefined when absent, else its value parsed by `parse`. */
const optional = <T>(value: string | undefined, parse: (v: string) => T): T | undefined => (value === undefined ? undefined : parse(value));

const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);

/** Flags → a validated configuration; a bad value is a UsageError naming the flag. */
export function runConfigFrom(a: RunArgValues, rawArgs: string[]): RunConfig {
  // what the command line says, not the parsed values: flags with defaults are "given" only when typed
  const given = (flag: string): boolean => rawArgs.some((r) => r === `--${flag}` || r.startsWith(`--${flag}=`));
  refuseConflicts(given);
  const load = loadModelOf(a);
  // a URL given as hey takes it is loaded as hey loads it, with no mock and no baseline, unless a mock or baseline flag asks for them
  const mockAsked = rawArgs.some((r) => (r.startsWith("--mock-") && !r.startsWith("--mock-port")) || (r.startsWith("--baseline") && r !== "--baseline=off"));
  const noMock = a["no-mock"] === true || a.mock === false || (a.url !== undefined && !mockAsked);
  const target = targetOf(a);
  checkMockFlags(a, rawArgs, given, noMock, target);
  const sent = whatIsSentOf(a, rawArgs, given);
  const mock = mockConfig(a, load.seed);
  const cfg: RunConfig = {
    ...RUN_DEFAULTS,
    ...load,
    ...sent,
    baseline: noMock ? "off" : (a.baseline as RunConfig["baseline"]),
    baselineSliceMs:
      a["baseline-slice"] === undefined
        ? sliceFor(answerMs(mock.model, a.stream, sent.maxTokens))
        : durationFlag("baseline-slice", a["baseline-slice"], { example: "1s" }),
    target,
    gateway: gatewayConfig(a, rawArgs),
    setup: a.setup,
    teardown: a.teardown,
    attachPid: optional(a.pid, (v) => wholeNumberFlag("pid", v, "12345")),
    attachPort: optional(a["pid-of-port"], (v) => portFlag("pid-of-port", v)),
    readyTimeoutMs: durationFlag("ready-timeout", a["ready-timeout"], { example: "60s" }),
    stopTimeoutMs: durationFlag("stop-timeout", a["stop-timeout"], { allowZero: true, example: "10s" }),
    noMock,
    idleMs: durationFlag("idle", a.idle, { allowZero: true, example: "3s" }),
    cooldownMs: durationFlag("cooldown", a.cooldown, { allowZero: true, example: "3s" }),
    sampleIntervalMs: durationFlag("sample-interval", a["sample-interval"], { example: "250ms" }),
    port: portFlag("port", a.port),
    mockPort: portFlag("mock-port", a["mock-port"]),
    jsonPath: a.json === "-" ? "-" : a.json ? resolve(a.json) : undefined,
    htmlPath: optional(a.html, (v) => resolve(v)),
    outDir: optional(a.out, (v) => resolve(v)),
    minSuccess: optional(a["min-success"], (v) => ratioFlag("min-success", v)),
    instance: optional(a.instance, instanceFlag),
    slo: repeated(rawArgs, "slo"),
    // the seed targets are an AI gateway's in front of the mock: a --no-mock run against any server is not judged by them unless asked
    targets: (noMock && !given("targets") && !a.strict ? "none" : a.targets) as RunConfig["targets"],
    strict: a.strict,
    abortOnFail: a["abort-on-fail"],
    mock: { flags: mock.flags, seed: mock.seed, procs: procsFlag("mock-procs", a["mock-procs"]), fixed: a["mock-fixed"] },
    // the URL given as hey takes it is a --target too
    ...pinningOf({ ...a, target: a.target ?? a.url }),
    ...upstreamApiOf({ ...a, target: a.target ?? a.url }, noMock),
  };
  checkGates(cfg);
  // the mock and the gateway may take up to --ready-timeout each to start; with --target --no-mock nothing starts
  if (a["start-at"] !== undefined) cfg.startAt = startAtFlag(a["start-at"], cfg.idleMs, cfg.target && cfg.noMock ? 0 : cfg.readyTimeoutMs);
  checkTogether(cfg, a);
  precheck(cfg);
  return cfg;
}

/** --target, or the URL given as hey and curl take it (gatebench run http://…/v1/chat/completions). */
function targetOf(a: RunArgValues): string | undefined {
  if (a.url !== undefined && a.target !== undefined)
    throw new UsageError(`the URL "${a.url}" and --target "${a.target}" both name the target: give one of them`);
  if (a.url !== undefined && a.gateway !== undefined)
    throw new UsageError(`the URL "${a.url}" names a gateway already running, and --gateway starts one for the run: give one of them`);
  if (a.url !== undefined && !/^https?:\/\//i.test(a.url))
    throw new UsageError(
      `unexpected argument "${a.url}" for gatebench run: flags start with --, and a URL to load with http:// or https://, e.g. gatebench run http://127.0.0.1:4000/v1/chat/completions`,
    );
  if (a.url !== undefined) return urlFlag("target", a.url, `"${a.url}"`);
  return optional(a.target, (v) => urlFlag("target", v));
}

/** Flags that cannot go together, or that belong to another flag not given. */
function refuseConflicts(given: (flag: string) => boolean): void {
  conflicts(given, [
    ["concurrency", "rate", "-c runs a closed loop (each connection sends when its response ends); --rate sets an open-loop schedule"],
    ["concurrency", "steps", "--steps is an open-loop schedule; -c runs a closed loop"],
    ["concurrency", "arrival", "arrivals belong to the open loop; -c runs a closed loop"],
    ["concurrency", "max-in-flight", "a closed loop never has more than -c requests open"],
    ["concurrency", "connections", "-c N is a closed loop over N connections"],
    ["steps", "rate", "--steps gives the rates; drop --rate"],
    ["body", "body-file", "give the body one way"],
    ["body", "prompts", "--prompts gives the bodies"],
    ["body-file", "prompts", "--prompts gives the bodies"],
    ["prompt-tokens", "body", "--prompt-tokens generates the body"],
    ["prompt-tokens", "body-file", "--prompt-tokens generates the body"],
    ["prompt-tokens", "prompts", "--prompts gives the prompts"],
    ["requests", "duration", "-n runs until the requests are done; drop --duration"],
    ["gateway", "target", "--gateway starts a gateway for the run; --target loads one that is already running"],
  ]);
  for (const f of ["gateway-shell", "config-template", "keep-temp", "gateway-env", "gateway-cwd", "ready-url"]) {
    if (given(f) && !given("gateway"))
      throw new UsageError(`--${f} belongs to --gateway: give the gateway's command line too, e.g. --gateway "nginx -p /tmp -c {{CONFIG}}"`);
  }
  if (given("requests") && !given("concurrency"))
    throw new UsageError("-n/--requests counts requests of a closed loop: give -c/--concurrency too, e.g. -c 50 -n 1000");
  if (given("step-duration") && given("duration"))
    throw new UsageError(
      "--duration and --step-duration cannot be used together with --steps: the run lasts steps × --step-duration (or give --duration alone to split it evenly)",
    );
  if (given("step-duration") && !given("steps")) throw new UsageError("--step-duration needs --steps, e.g. --steps 50,100,200 --step-duration 10s");
}

/** The load model: open-loop shape and arrivals, or the closed loop; the workers and the client. */
function loadModelOf(a: RunArgValues) {
  const rate = a.rate === undefined ? { from: D.rateRps, to: undefined } : rateFlag(a.rate);
  const steps = optional(a.steps, stepsFlag);
  const stepMs = optional(a["step-duration"], (v) => durationFlag("step-duration", v));
  let durationMs = a.duration === undefined ? D.durationMs : durationFlag("duration", a.duration);
  if (steps && stepMs !== undefined) durationMs = steps.length * stepMs;
  if (a.arrival !== "constant" && a.arrival !== "poisson")
    throw new UsageError(`--arrival "${a.arrival}": expected constant or poisson, e.g. --arrival poisson`);
  return {
    rateRps: rate.from,
    rateToRps: rate.to,
    steps,
    stepMs,
    arrival: a.arrival as RunConfig["arrival"],
    seed: a.seed === undefined ? randomSeed() : wholeOrZero("seed", a.seed),
    durationMs,
    warmupMs: durationFlag("warmup", a.warmup, { allowZero: true, example: "5s" }),
    maxInFlight: wholeNumberFlag("max-in-flight", a["max-in-flight"], "1000"),
    concurrency: optional(a.concurrency, (v) => wholeNumberFlag("concurrency", v, "50")),
    requests: optional(a.requests, (v) => wholeNumberFlag("requests", v, "1000")),
    workers: wholeNumberFlag("workers", a.workers, "2"),
    client: clientFlag(a.client),
    connections: optional(a.connections, (v) => wholeNumberFlag("connections", v, "100")),
  };
}

/** --no-mock and the mock's and the baseline's flags, checked together. */
function checkMockFlags(a: RunArgValues, rawArgs: string[], given: (flag: string) => boolean, noMock: boolean, target: string | undefined): void {
  if (noMock) {
    const mockFlag = rawArgs.find((r) => r.startsWith("--mock-") && !r.startsWith("--mock-port"));
    if (mockFlag) throw new UsageError(`${mockFlag.split("=")[0]} has no effect with --no-mock: no mock is started`);
  }
  if (!["interleaved", "sequential", "off"].includes(a.baseline))
    throw new UsageError(`--baseline "${a.baseline}": expected interleaved, sequential or off, e.g. --baseline sequential`);
  if (noMock && given("baseline") && a.baseline !== "off")
    throw new UsageError(`--baseline ${a.baseline} sends the load straight to the mock, and --no-mock starts none: drop --baseline`);
  if (given("baseline-slice") && a.baseline !== "interleaved")
    throw new UsageError(`--baseline-slice sets the slices of --baseline interleaved, and --baseline is ${a.baseline}: drop one of them`);
  if (noMock && !target) throw new UsageError("--no-mock needs --target: without a target, gatebench loads its built-in proxy, which forwards to the mock");
}

/** What is sent: method, path, headers, body, model, stream, timeout, TLS. */
function whatIsSentOf(a: RunArgValues, rawArgs: string[], given: (flag: string) => boolean) {
  const method = a.method.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method "${a.method}": expected an HTTP method, e.g. --method POST`);
  const bodyFlag = ["body", "body-file", "prompts", "prompt-tokens"].find(given);
  if ((method === "GET" || method === "HEAD") && bodyFlag) throw new UsageError(`--method ${method} sends no body: drop --${bodyFlag}`);
  if ((method === "GET" || method === "HEAD") && a.stream)
    throw new UsageError(`--stream asks for a stream in the request body, and --method ${method} sends none`);
  // -d is the body, as in hey and curl; wrk's -d is the duration
  if (a.body !== undefined && !given("duration") && parseDuration(a.body) !== undefined)
    throw new UsageError(
      `-d/--body "${a.body}" looks like a duration, and -d is the request body (as in hey and curl): for the load's length use --duration ${a.body} (or -z ${a.body})`,
    );
  const api = apiFlag(a.api);
  const path = a.path ?? apiPath(api, a.model ?? D.model, a.stream);
  if (!path.startsWith("/")) throw new UsageError(`--path "${path}": expected a path starting with /, e.g. --path /v1/embeddings`);
  const pathApi = a.path === undefined ? undefined : apiOfPath(a.path);
  if (pathApi && pathApi !== api)
    throw new UsageError(
      `--path ${a.path} is the endpoint of ${API_TITLES[pathApi]}, and --api ${api} sends ${API_TITLES[api]} requests: give --api ${pathApi}, or drop --path (--api ${api} posts to ${apiPath(api, a.model ?? D.model, a.stream)})`,
    );
  return {
    path,
    api,
    method,
    headers: headersFrom(rawArgs),
    body: a.body,
    bodyFile: optional(a["body-file"], (v) => resolve(v)),
    promptsFile: optional(a.prompts, (v) => resolve(v)),
    model: a.model ?? D.model,
    modelGiven: a.model !== undefined,
    maxTokens: optional(a["max-tokens"], (v) => wholeNumberFlag("max-tokens", v, "256")),
    promptTokens: optional(a["prompt-tokens"], (v) => wholeNumberFlag("prompt-tokens", v, "1000")),
    stream: a.stream,
    timeoutMs: durationFlag("timeout", a.timeout, { example: "30s" }),
    insecure: a.insecure,
    caFile: optional(a.cacert, (v) => readableFile("cacert", v)),
  };
}

/** Values that cannot go together once read, and the output paths, checked before anything starts. */
function checkTogether(cfg: RunConfig, a: RunArgValues): void {
  if ((cfg.attachPid !== undefined || cfg.attachPort !== undefined) && !cfg.target)
    throw new UsageError("--pid and --pid-of-port name a gateway attached with --target, e.g. --target http://127.0.0.1:4000 --pid-of-port 4000");
  if (cfg.attachPid !== undefined && cfg.attachPort !== undefined)
    throw new UsageError("--pid and --pid-of-port cannot be used together: name the process one way");
  if (cfg.sampleIntervalMs < 50)
    throw new UsageError(`--sample-interval "${a["sample-interval"]}": at least 50ms (CPU is read from 10 ms kernel ticks), e.g. --sample-interval 250ms`);
  if (cfg.client === "fetch" && cfg.connections !== undefined)
    throw new UsageError(
      `--connections caps the socket client's pool; Bun's fetch keeps its own (at most ${FETCH_POOL_SIZE} idle connections): drop --connections, or use --client socket`,
    );
  if ((cfg.insecure || cfg.caFile) && !(cfg.target ?? "").startsWith("https:"))
    throw new UsageError(`--${cfg.insecure ? "insecure" : "cacert"} is for an https:// --target, e.g. --target https://127.0.0.1:4443 --cacert ca.pem`);
  if (cfg.insecure && cfg.caFile)
    throw new UsageError("--insecure and --cacert cannot be used together: --insecure accepts any certificate, --cacert verifies against the CA given");
  if (cfg.workers > 64) throw new UsageError(`--workers "${a.workers}": at most 64, e.g. --workers 2`);
  if (cfg.concurrency !== undefined && cfg.workers > cfg.concurrency)
    throw new UsageError(`--workers ${cfg.workers} is more than -c ${cfg.concurrency}: each worker needs at least one connection`);
  if (cfg.jsonPath && cfg.jsonPath !== "-") checkWritableFile("json", a.json!, cfg.jsonPath);
  if (cfg.htmlPath) checkWritableFile("html", a.html!, cfg.htmlPath);
  if (cfg.outDir) checkOutDir(a.out!, cfg.outDir);
  if (!cfg.target && !cfg.noMock && cfg.port !== 0 && cfg.port === cfg.mockPort) {
    throw new UsageError(`--port and --mock-port are both ${cfg.port}: the gateway and the mock need different ports, e.g. --port 8081 --mock-port 9091`);
  }
}

/** The --gateway flags; the command and template are rendered (and checked) when the run starts. */
function gatewayConfig(a: RunArgValues, rawArgs: string[]): GatewaySpec | undefined {
  if (a.gateway === undefined) return undefined;
  if (a.gateway.trim() === "") throw new UsageError('--gateway "": give the gateway\'s command line, e.g. --gateway "nginx -p /tmp -c {{CONFIG}}"');
  const env: [string, string][] = [];
  for (const raw of rawArgs) {
    if (!raw.startsWith("--gateway-env=")) continue;
    const v = raw.slice("--gateway-env=".length);
    const eq = v.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(0, eq)))
      throw new UsageError(`--gateway-env "${v}": expected NAME=value, e.g. --gateway-env LOG_LEVEL=warn`);
    env.push([v.slice(0, eq), v.slice(eq + 1)]);
  }
  const cwd = optional(a["gateway-cwd"], (v) => resolve(v));
  if (cwd !== undefined && !(existsSync(cwd) && statSync(cwd).isDirectory())) throw new UsageError(`--gateway-cwd "${a["gateway-cwd"]}": not a directory`);
  const template = optional(a["config-template"], (v) => resolve(v));
  if (template !== undefined && !existsSync(template)) throw new UsageError(`--config-template "${a["config-template"]}": no such file`);
  return { command: a.gateway, shell: a["gateway-shell"], configTemplate: template, keepTemp: a["keep-temp"], env, cwd, readyUrl: a["ready-url"] };
}

/** Every value of a repeatable flag (citty keeps only the last). */
function repeated(rawArgs: string[], flag: string): string[] {
  return rawArgs.filter((r) => r.startsWith(`--${flag}=`)).map((r) => r.slice(flag.length + 3));
}

/** --slo, --targets, --strict, --abort-on-fail: each expression read, and measurable in this run. */
function checkGates(cfg: RunConfig): void {
  if (!(TARGET_PRESETS as readonly string[]).includes(cfg.targets))
    throw new UsageError(`--targets "${cfg.targets}": expected ${TARGET_PRESETS.join(" or ")}, e.g. --targets seed --strict`);
  if (cfg.strict && cfg.targets === "none") throw new UsageError("--strict enforces the --targets preset, and --targets is none: drop one of them");
  const setup = {
    stream: cfg.stream,
    baseline: baselineOrder(cfg) !== undefined,
    mock: !cfg.noMock,
    gatewaySampled: !cfg.target || cfg.attachPid !== undefined || cfg.attachPort !== undefined,
  };
  for (const expr of cfg.slo) {
    let slo: Slo;
    try {
      slo = parseSlo(expr);
    } catch (err) {
      if (err instanceof SloError) throw new UsageError(err.explain("--slo "));
      throw err;
    }
    const why = unmeasurable(slo, setup);
    if (why) throw new UsageError(`--slo "${slo.expr}": ${why}`);
  }
  if (cfg.abortOnFail && cfg.slo.length === 0 && cfg.minSuccess === undefined && !cfg.strict) {
    throw new UsageError('--abort-on-fail stops a run whose gate can no longer pass, and no gate is set: add one, e.g. --slo "success >= 100%"');
  }
}

/** Checks the --mock-* flags here (a usage error, before anything starts) and keeps those given for the mock child. */
function mockConfig(a: RunArgValues, seed: number): Pick<RunConfig["mock"], "flags" | "seed"> & { model: ReturnType<typeof mockModel> } {
  const given: MockModelValues = {};
  const flags: Record<string, string> = {};
  for (const name of Object.keys(mockModelArgs) as (keyof MockModelValues)[]) {
    const v = (a as Record<string, unknown>)[`mock-${name}`];
    if (typeof v === "string" && v !== String((mockModelArgs[name] as { default?: string }).default ?? "\0")) {
      given[name] = v;
      if (name !== "seed") flags[name] = v;
    }
  }
  const model = mockModel(given.seed === undefined ? { ...given, seed: String(seed) } : given, "mock-");
  if (a["mock-fixed"]) checkFixed(model, "mock-");
  return { flags, seed: model.seed, model };
}
