// Flags → RunConfig without a process: the command line normalized and
// parsed as the CLI does it, then checked. Each bad value is one message
// naming the flag; good ones land in the config.
import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import { normalizeArgv } from "../../src/cli/argv.ts";
import { runConfigFrom } from "../../src/cli/run/config.ts";
import { runArgs, type RunArgValues } from "../../src/cli/run/flags.ts";

/** The config `gatebench run ARGS` would run with. */
function configOf(args: string[]) {
  const raw = normalizeArgv(args, runArgs, "gatebench run");
  return runConfigFrom(parseArgs(raw, runArgs) as unknown as RunArgValues, raw);
}

describe("bad flags: one message naming the flag, before anything starts", () => {
  const T = ["--target", "http://127.0.0.1:1"];
  test.each([
    [["--target", "ftp://x"], /--target "ftp:\/\/x": expected an http/],
    [[...T, "-H", "nocolon"], /--header "nocolon": expected "Name: value"/],
    [[...T, "--arrival", "bursty"], /--arrival "bursty": expected constant or poisson/],
    [[...T, "--rate", "10:x"], /--rate "10:x": expected a rate above zero, or FROM:TO/],
    [[...T, "--steps", "10,20", "--rate", "5"], /--steps and --rate cannot be used together/],
    [[...T, "--steps", "10,20", "--step-duration", "1s", "--duration", "5s"], /--duration and --step-duration cannot be used together/],
    [[...T, "--no-mock", "--mock-faults", "500=1%"], /--mock-faults has no effect with --no-mock/],
    [[...T, "--method", "GET", "--stream"], /--stream asks for a stream in the request body/],
    [[...T, "--method", "GET", "--prompt-tokens", "5"], /--method GET sends no body: drop --prompt-tokens$/],
    [["-rate", "fast"], /--rate "fast": expected a positive number, e\.g\. --rate 200/],
    [["--duration", "10"], /--duration "10": expected a duration with a unit \(ms, s, m, h\), e\.g\. --duration 10s/],
    [["--port", "70000"], /--port "70000": expected a port from 0 to 65535/],
    [["--port", "9000", "--mock-port", "9000"], /--port and --mock-port are both 9000/],
    [
      ["--json", "/nonexistent-dir/r.json"],
      /--json "\/nonexistent-dir\/r\.json": directory \/nonexistent-dir does not exist or is not writable, e\.g\. --json r\.json$/,
    ],
    [["--html", "nodir/r.html"], /--html "nodir\/r\.html": directory .*nodir does not exist or is not writable, e\.g\. --html r\.html$/],
    [["--mock-faults", "429=150%"], /^--mock-faults "429=150%": the rate of 429 "150%" is not a percentage up to 100%, e\.g\. --mock-faults 429=15%$/],
    [["--json", "/tmp"], /--json "\/tmp": is a directory; give a file name/],
    [["--mock-jitter", "gauss:1ms:2ms"], /--mock-jitter "gauss:1ms:2ms": unknown distribution "gauss" \(normal or lognormal\)/],
    [["--mock-faults", "404=1%"], /--mock-faults "404=1%": expected KIND=RATE pairs with KIND one of 429, 500, 503, hang, cut, slow/],
    [["--mock-latency", "fast"], /--mock-latency "fast": expected a duration with a unit/],
    [["--client", "curl"], /--client "curl": expected socket or fetch/],
    [["-c", "10", "--connections", "5"], /--concurrency and --connections cannot be used together/],
    [[...T, "--client", "fetch", "--connections", "5"], /--connections caps the socket client's pool/],
    [[...T, "--insecure"], /--insecure is for an https:\/\/ --target/],
    [["--target", "https://127.0.0.1:1", "--insecure", "--cacert", "/etc/hostname"], /--insecure and --cacert cannot be used together/],
    [["-c", "2", "--workers", "3"], /--workers 3 is more than -c 2/],
    [["-n", "10"], /-n\/--requests counts requests of a closed loop: give -c\/--concurrency too/],
    // habits of other tools
    [
      ["-c", "10", "-d", "10s"],
      /^-d\/--body "10s" looks like a duration, and -d is the request body \(as in hey and curl\): for the load's length use --duration 10s \(or -z 10s\)$/,
    ],
    [
      [...T, "--no-mock", "--slo", "overhead.latency.p50 < 5ms"],
      /overhead\.latency\.p50 needs the direct baseline, sent to the mock, and --no-mock starts no mock: drop --no-mock, or this gate$/,
    ],
    [["--duration", "-5s"], /^--duration "-5s": a duration cannot be negative, e\.g\. --duration 10s$/],
    [["--rate", "50/x"], /^--rate "50\/x": expected requests per span, e\.g\. --rate 50\/s or --rate 3000\/1m$/],
    [["50"], /^unexpected argument "50" for gatebench run: flags start with --, and a URL to load with http:\/\/ or https:\/\//],
    [["http://127.0.0.1:1", ...T], /the URL "http:\/\/127\.0\.0\.1:1" and --target "http:\/\/127\.0\.0\.1:1" both name the target: give one of them/],
    [["http://127.0.0.1:1", "--gateway", "nginx"], /--gateway starts one for the run: give one of them/],
  ])("%p", (args, message) => {
    expect(() => configOf(args)).toThrow(message);
  });
});

describe("good flags land in the config", () => {
  test("defaults: an open loop of 50 req/s for 10 s with the socket client, the interleaved baseline", () => {
    const c = configOf([]);
    expect(c).toMatchObject({ rateRps: 50, durationMs: 10_000, arrival: "constant", client: "socket", baseline: "interleaved", workers: 1, insecure: false });
    expect(c.concurrency).toBeUndefined();
    expect(c.connections).toBeUndefined();
  });

  test("a closed loop with requests; steps; a ramp", () => {
    expect(configOf(["-c", "8", "-n", "100"])).toMatchObject({ concurrency: 8, requests: 100 });
    expect(configOf(["--steps", "10,20,30", "--step-duration", "2s"])).toMatchObject({ steps: [10, 20, 30], stepMs: 2000, durationMs: 6000 });
    expect(configOf(["--rate", "10:500"])).toMatchObject({ rateRps: 10, rateToRps: 500 });
  });

  test("what is sent: method, headers in order, the client and its connections", () => {
    const c = configOf([
      "--target",
      "https://gw.example:4443",
      "-H",
      "X-A: 1",
      "-H",
      "Authorization: Bearer k",
      "--method",
      "put",
      "--connections",
      "64",
      "-k",
    ]);
    expect(c).toMatchObject({ method: "PUT", connections: 64, insecure: true, target: "https://gw.example:4443/" });
    expect(c.headers).toEqual([
      ["X-A", "1"],
      ["Authorization", "Bearer k"],
    ]);
  });

  test("hey's line: a positional URL, -m, -d, -H, -n, -c; vegeta's -rate 50/s; -z, -o, -q", () => {
    const hey = ["-n", "100", "-c", "5", "-H", "Authorization: Bearer k", "-m", "POST", "-d", '{"model":"m"}', "http://gw:4000/v1/chat/completions"];
    expect(configOf(hey)).toMatchObject({ requests: 100, concurrency: 5, method: "POST", body: '{"model":"m"}', target: "http://gw:4000/v1/chat/completions" });
    expect(configOf(["-rate", "50/s", "-z", "2s", "-o", "r.json", "-q"])).toMatchObject({
      rateRps: 50,
      durationMs: 2000,
      jsonPath: expect.stringMatching(/\/r\.json$/),
    });
    expect(configOf(["--rate", "3000/1m"]).rateRps).toBe(50);
    expect(configOf(["--rate", "5/500ms"]).rateRps).toBe(10);
    // a body that looks like a duration is a body once --duration is given
    expect(configOf(["--duration", "1s", "-d", "10s"]).body).toBe("10s");
  });

  test("a URL given as hey takes it: no mock, no baseline, no seed targets, unless a mock or baseline flag asks for them", () => {
    const url = "http://gw:4000/v1/chat/completions";
    expect(configOf([url])).toMatchObject({ noMock: true, baseline: "off", targets: "none", target: url });
    expect(configOf([url, "--mock-port", "0", "--baseline", "off"]).noMock).toBe(true);
    expect(configOf([url, "--mock-latency", "5ms"])).toMatchObject({ noMock: false, baseline: "interleaved", targets: "seed" });
    expect(configOf([url, "--baseline", "sequential"]).noMock).toBe(false);
    expect(configOf(["--target", url]).noMock).toBe(false);
  });

  test("--no-mock: the seed targets (an AI gateway's, in front of the mock) only when asked for", () => {
    const T = ["--target", "http://127.0.0.1:1", "--no-mock"];
    expect(configOf(T).targets).toBe("none");
    expect(configOf([...T, "--targets", "seed"]).targets).toBe("seed");
    expect(configOf([...T, "--strict"]).targets).toBe("seed");
    expect(configOf([]).targets).toBe("seed");
  });

  test("--no-mock turns the baseline off; a seed is kept", () => {
    expect(configOf(["--target", "http://127.0.0.1:1", "--no-mock", "--seed", "7"])).toMatchObject({ noMock: true, baseline: "off", seed: 7 });
  });
});
