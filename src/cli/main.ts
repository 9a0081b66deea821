// The command line: picks the command (run when none is named), handles
// --help and --version, checks flags before citty parses them, and turns
// every failure into one line on stderr and an exit code (docs/DESIGN.md).
import { defineCommand, runCommand as runCitty, type CommandDef } from "citty";
import { ProcessFailure } from "../process/children.ts";
import { asksVersion, VERSION, versionLine } from "../version.ts";
import { closest, normalizeArgv } from "./argv.ts";
import { renderHelp } from "./help.ts";
import { needsRelaunch, relaunch } from "./relaunch.ts";
import { mockChildCommand, mockCommand } from "./commands/mock.ts";
import { loadWorkerCommand } from "./commands/load-worker.ts";
import { mergeCommand } from "./commands/merge.ts";
import { proxyChildCommand } from "./commands/proxy.ts";
import { compareCommand } from "./commands/compare.ts";
import { frontierCommand } from "./commands/frontier.ts";
import { reportCommand } from "./commands/report.ts";
import { runCommand } from "./commands/run.ts";
import { sweepCommand } from "./commands/sweep.ts";
import { TemplateError } from "../gateway/template.ts";
import { ConfigError } from "../run/errors.ts";
import { EXIT, UsageError } from "./errors.ts";
import { log } from "./log.ts";

// biome-ignore lint: citty's CommandDef is generic over each command's args
type AnyCommand = CommandDef<any>;

const commands: Record<string, AnyCommand> = {
  run: runCommand,
  mock: mockCommand,
  report: reportCommand,
  compare: compareCommand,
  merge: mergeCommand,
  sweep: sweepCommand,
  frontier: frontierCommand,
  __mock: mockChildCommand,
  __proxy: proxyChildCommand,
  __load: loadWorkerCommand,
};

const root = defineCommand({
  meta: { name: "gatebench", version: VERSION, description: "Load benchmarker for AI gateways (OpenAI Chat and Responses, Anthropic Messages, Gemini)" },
  subCommands: commands,
});

const EXAMPLES: Record<string, string> = {
  gatebench: `Examples:

  gatebench                                   10 s at 50 req/s through the built-in proxy
  gatebench --version                         version, git commit, Bun version
  gatebench run -duration 10s -rate 20 -stream
  gatebench run --rate 200 --duration 30s --json result.json
  gatebench mock --port 9091                  the mock upstream alone, for manual tests
  gatebench report result.json --html r.html  a saved result again, as an HTML page with plots
  gatebench run --slo "latency.p99 < 250ms" --json out.json && gatebench compare base.json out.json --fail-on-regression 10%
                                              CI: gates, then a comparison with a saved baseline
  gatebench sweep --slo "latency.p99 < 50ms"  the highest rate that meets the SLO
  gatebench merge a.json b.json --out all.json   instances that shared one load, as one result
  gatebench frontier --html f.html            throughput at each p99 bound, and the latency the gateway adds
`,
  mock: `Endpoints, each unary or streamed, in its provider's own wire format and errors (OpenAI's and Anthropic's also without /v1):

  POST /v1/chat/completions   OpenAI chat ("stream": true; usage with stream_options.include_usage)
  POST /v1/responses          OpenAI Responses ("input"; max_output_tokens; "stream": true for its typed events)
  POST /v1/messages           Anthropic Messages (headers anthropic-version and x-api-key; max_tokens required)
  POST /v1beta/models/MODEL:generateContent, :streamGenerateContent?alt=sse
                              Gemini (key in x-goog-api-key or ?key=; also under /v1/models/)
  POST /v1/completions        legacy completions, unary or streamed
  POST /v1/embeddings         embeddings
  GET  /v1/models             one model, gpt-mock
  GET  /health                ok
  GET  /__stats               what it received: requests, streams, bytes, statuses, faults, connections, in flight at most;
                              by_api: each API's requests, and those rejected as not of its shape (what a gateway sent upstream)
                              (with --procs N: of all N processes, and the requests each one answered)
  POST /__reset               sets those counts back to zero (of every process)

  Per request, headers override the flags: x-mock-latency-ms, x-mock-ttft-ms, x-mock-itl-ms, x-mock-tokens, x-mock-fault.
  Every answer carries its timing: x-mock-received-us and x-mock-sent-us (epoch microseconds).

Examples:

  gatebench mock --port 9091                      the mock for a gateway under test, or for manual tests
  curl -s localhost:9091/v1/chat/completions -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
  curl -s localhost:9091/v1/messages -H 'anthropic-version: 2023-06-01' -H 'x-api-key: k' \\
    -d '{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"hi"}],"stream":true}'
  gatebench mock --ttft 200ms --itl 20ms --tokens 100 --faults 429=1%,cut=0.5% --seed 7
                                                  slower, longer streams with a few faults, the same every time
  curl -s localhost:9091/__stats                  what it received so far
  gatebench mock --procs 2 --latency 0            two processes on one port (Linux), for loads one core cannot answer
`,
  report: `Examples:

  gatebench report result.json                  the terminal report of a saved run (gatebench run --json result.json)
  gatebench report result.json --html r.html    the same as one offline HTML page: tables and plots

Exit codes:

  0 done · 2 the file is missing, not JSON, or not a gatebench/v1 result
`,
  merge: `Examples:

  gatebench merge pod-0.json pod-1.json --out total.json
                                                the results of instances that shared one load (each: gatebench run
                                                --instance pod-N --json pod-N.json) as one result, and its report
  gatebench merge runs/*.json --html total.html the same, with the merged HTML page

Exit codes:

  0 done · 1 a gate of the instances fails on the merged figures · 2 fewer than 2 files, a file that is not a result,
  or parts that are not instances of one load
`,
  sweep: `Examples:

  gatebench sweep --slo "latency.p99 < 50ms" --slo "success >= 99.9%"
                                                 from 50 req/s, doubling, then bisecting to 10 %: the highest rate meeting both
  gatebench sweep --rates 100,200,400,800 --duration 20s --out sweep1
                                                 these rates only (stops at the first failure); every step's files in sweep1
  gatebench sweep --gateway "nginx -p /tmp -c {{CONFIG}}" --config-template nginx.conf --stream --slo "ttft.p99 < 200ms" --html sweep.html

Exit codes:

  0 done (the answer is the last line) · 1 no rate met the SLOs · 2 usage error · 3 a step could not be run, or the sweep was interrupted
`,
  frontier: `Examples:

  gatebench frontier                             concurrency 1, 2, 4, … 256 through the built-in proxy: the throughput at
                                                 p99 < 1, 5, 10, 50, 100 ms and unbounded, and the added latency in µs
  gatebench frontier --gateway "nginx -p /tmp -c {{CONFIG}}" --config-template nginx.conf --name nginx --json nginx.json
                                                 one gateway's frontier, for a board (gatebench compare nginx.json other.json)
  gatebench frontier --concurrency 1,4,16,64 --bounds 5ms,50ms --rung-duration 20s --html f.html
                                                 these rungs and bounds; the plot of throughput against p99
  gatebench frontier --rates 500,1000,2000       open-loop rates instead of concurrency
  gatebench frontier --only added                what the gateway adds to one request at a time (p50, p99, in µs)
  gatebench frontier --stream --concurrency 16,64,256,1024
                                                 streams sustained: the most open at once with every event on time

A reading is the highest throughput of any rung whose p99 stayed under the bound with no failed request; its evidence
names that rung, the next rung that did not qualify and why, or "floor" when none above it broke the bound. A rung at
the rig's limit (gatebench or the mock set the pace, or this machine ran out of descriptors) is never the gateway's.

Exit codes:

  0 done · 2 usage error · 3 a rung could not be run, the ladder was interrupted, or no request succeeded
`,
  compare: `Examples:

  gatebench compare base.json new.json           every metric of new.json against base.json, with its noise
  gatebench compare base.json new.json --fail-on-regression 10%
                                                 CI: exit 1 when new.json is worse beyond noise by over 10 %
  gatebench compare a.json b.json c.json --json cmp.json
                                                 b and c each against a; the comparison also as JSON
  gatebench compare nginx=nginx.json envoy=envoy.json --html board.html
                                                 frontiers (gatebench frontier --json) side by side: a column per gateway

Exit codes:

  0 no regression beyond the bound · 1 a regression beyond --fail-on-regression · 2 usage error (fewer than 2 files, a file that is not a gatebench/v1 result)
`,
  run: `Examples:

  gatebench run                                     the defaults: 10 s at 50 req/s, unary
  gatebench run -duration 10s -rate 20 -stream      Go-style single-dash flags work too
  gatebench run --port 0 --mock-port 0 --json r.json   free ports, full result as JSON
  gatebench run --rate 10:500 --duration 1m --warmup 5s --arrival poisson
                                                    a ramp, after a warm-up, random arrivals
  gatebench run -c 50 -n 1000 -H "Authorization: Bearer sk-test"
                                                    closed loop, hey-style
  gatebench run --target http://127.0.0.1:4000 --stream
                                                    a gateway already running, pointed at the mock on :9091
  gatebench run --baseline sequential --out runs/1  the direct baseline first; every result file in runs/1
  gatebench run --rate 200 --slo "latency.p99 < 250ms" --slo "success >= 99.9%" --json out.json
                                                    gates: exit 1 when one fails (CI)
  gatebench run --stream --rate 140 --targets seed --strict --abort-on-fail
                                                    the seed targets enforced; stop at the first sign they cannot be met

Exit codes:

  0 run completed · 1 a gate failed · 2 usage error · 3 the run could not be carried out, or no request succeeded
`,
};

const isCommand = (name: string): boolean => name in commands && !name.startsWith("_");

/** Commands of other load tools, and what gatebench calls them. */
const FOREIGN_COMMANDS: Record<string, string> = {
  attack: "run",
  hey: "run",
  bench: "run",
  load: "run",
  test: "run",
  serve: "mock",
  server: "mock",
  diff: "compare",
};

/** An unknown command (`before`: "help" for gatebench help NAME), with the closest command, or the list of them. */
function unknownCommand(word: string, before: string): UsageError {
  const names = Object.keys(commands).filter((c) => !c.startsWith("_"));
  const guess = FOREIGN_COMMANDS[word.toLowerCase()] ?? closest(word, names);
  const hint = guess ? `; did you mean "${before ? `${before} ` : ""}${guess}"?` : `; the commands are ${names.join(", ")}`;
  return new UsageError(`unknown command "${word}"${hint} (see: gatebench --help)`);
}

function usage(name: string): Promise<string> {
  if (name === "gatebench") return renderHelp("gatebench", root, commands, EXAMPLES.gatebench ?? "");
  return renderHelp(`gatebench ${name}`, commands[name]!, undefined, EXAMPLES[name] ?? "");
}

/** Runs gatebench with `argv` (without the executable and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    const first = argv[0];
    const beforeDashDash = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    if (first === "help") {
      const topic = argv[1];
      if (topic !== undefined && !isCommand(topic)) throw unknownCommand(topic, "help");
      process.stdout.write(await usage(topic ?? "gatebench"));
      return EXIT.ok;
    }
    if (asksVersion(argv)) {
      process.stdout.write(`${versionLine()}\n`);
      return EXIT.ok;
    }
    let name = "run";
    let rest = argv;
    // a URL first is the target of the default command, as hey and curl take it: gatebench http://…
    if (first !== undefined && !first.startsWith("-") && !/^https?:\/\//i.test(first)) {
      if (!(first in commands)) throw unknownCommand(first, "");
      name = first;
      rest = argv.slice(1);
    } else if (first === "--help" || first === "-help" || first === "-h") {
      process.stdout.write(await usage("gatebench"));
      return EXIT.ok;
    }
    if (beforeDashDash.includes("--help") || beforeDashDash.includes("-help") || beforeDashDash.includes("-h")) {
      process.stdout.write(await usage(name));
      return EXIT.ok;
    }
    const cmd = commands[name]!;
    const args = typeof cmd.args === "function" ? await cmd.args() : await cmd.args;
    const normalized = normalizeArgv(rest, args ?? {}, `gatebench ${name}`);
    if ((name === "run" || name === "sweep" || name === "frontier") && needsRelaunch(normalized)) return await relaunch(argv);
    const { result } = await runCitty(cmd, { rawArgs: normalized });
    return typeof result === "number" ? result : EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof TemplateError) {
      log.error(err.message);
      return EXIT.usage;
    }
    if (err instanceof ProcessFailure) {
      log.error(err.message);
      return EXIT.runFailed;
    }
    const e = err as Error;
    log.error(`gatebench failed: ${e?.message ?? String(err)}${verbose ? "" : " (--verbose shows the stack)"}`);
    if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
    return EXIT.runFailed;
  }
}
