// Named presets of targets: gates a gateway is expected to meet, shown as a
// pass/fail table in every report and enforced only when asked (--strict).
//
// "seed" are the targets gatebench's first users set for an AI gateway:
// 100 % success at the load tested, under 20 MB of memory idle, under 100 MB
// holding 100 streams open, under 5 ms added to a unary request. A target
// that this run cannot judge (a unary run says nothing about 100 streams)
// is "n/a", with what would measure it. Nor are the memory targets judged
// on the built-in proxy: it is gatebench's reference, a Bun process whose
// runtime alone is over 20 MB, not a gateway under test.
import { evaluateSlo } from "./gates/evaluate.ts";
import type { Slo } from "./gates/expr.ts";
import { parseSlo } from "./gates/parse.ts";
import type { Summary } from "./summary.ts";
import type { GateResult, TargetPreset, TargetResult, TargetsSummary } from "./verdicts.ts";

/** Streams the memory target is stated for. */
const STREAMS = 100;

/** The seed targets' gates, in the order of the table. */
const SEED = {
  success: parseSlo("success >= 100%"),
  idle: parseSlo("rss.idle.max < 20MB"),
  streams: parseSlo("rss.load.max < 100MB"),
  overhead: parseSlo("overhead.latency.p50 < 5ms"),
};

/** A preset's gates (what --strict enforces, where it can judge them). */
export const presetGates = (preset: TargetPreset): Slo[] => (preset === "seed" ? Object.values(SEED) : []);

const judged = (target: string, g: GateResult): TargetResult => ({ ...g, target });
const na = (target: string, g: GateResult, note: string): TargetResult => ({ ...g, target, pass: null, note });

/** Why the memory targets are not judged on the built-in proxy. */
export const REFERENCE_NOTE = "the built-in proxy is gatebench's reference (a Bun process), not a gateway under test: give --gateway or --target";

/** The seed targets, judged on a run's summary (`reference`: the gateway is the built-in proxy). */
export function seedTargets(s: Summary, run: { stream: boolean; reference?: boolean }): TargetResult[] {
  const out: TargetResult[] = [];
  const success = evaluateSlo(SEED.success, s);
  out.push(judged("stable: every request succeeds at this load", success));

  const idle = evaluateSlo(SEED.idle, s);
  const lean = "lean idle: gateway RSS";
  if (run.reference) out.push(na(lean, idle, REFERENCE_NOTE));
  else out.push(idle.value === null ? na(lean, idle, "the gateway's memory was not sampled (give --pid or --pid-of-port with --target)") : judged(lean, idle));

  const streams = evaluateSlo(SEED.streams, s);
  const peak = s.requests.in_flight_peak ?? 0;
  const target = `lean under load: gateway RSS with ${STREAMS} streams open`;
  if (run.reference) out.push(na(target, streams, REFERENCE_NOTE));
  else if (streams.value === null) out.push(na(target, streams, "the gateway's memory was not sampled"));
  else if (run.stream && peak >= STREAMS) out.push(judged(target, streams));
  else if (run.stream && !streams.pass) out.push({ ...judged(target, streams), note: `already over with ${peak} streams open` });
  else
    out.push(
      na(
        target,
        streams,
        run.stream
          ? `this run held at most ${peak} streams open; ${streamsHint(s)}`
          : `a streaming run holding ${STREAMS} streams measures it; ${streamsHint(s)}`,
      ),
    );

  const overhead = evaluateSlo(SEED.overhead, s);
  const name = "light: unary overhead (latency p50)";
  if (run.stream) out.push(na(name, overhead, "stated for unary requests; run without --stream"));
  else if (overhead.value === null)
    out.push(na(name, overhead, "needs the baseline sent straight to the mock (the default, --baseline interleaved; none with --no-mock or --baseline off)"));
  else out.push(judged(name, overhead));
  return out;
}

/** How to hold 100 streams open: by Little's law, 100 / (seconds per stream) arrivals per second. */
function streamsHint(s: Summary): string {
  const answerS = s.latency_ms && s.ttft_ms ? s.latency_ms.p50 / 1000 : undefined;
  return answerS && answerS > 0
    ? `e.g. --stream --rate ${Math.ceil((STREAMS * 1.1) / answerS)} (streams of ${+answerS.toFixed(2)} s)`
    : "e.g. --stream --rate 140 (the mock's streams take about 0.8 s)";
}

export function targetsFor(preset: TargetPreset, strict: boolean, s: Summary, run: { stream: boolean; reference?: boolean }): TargetsSummary | undefined {
  if (preset === "none") return undefined;
  return { preset, strict, results: seedTargets(s, run) };
}

/**
 * The verdicts of a run's gates on its summary, with the targets judged into
 * summary.targets (and, with --strict, each judged target among the
 * verdicts). `adjust` may revise a gate's verdict (merge: figures kept per
 * instance). Sets summary.slo when there is any verdict.
 */
export function judge(
  gates: Slo[],
  s: Summary,
  t: { preset: TargetPreset; strict: boolean; stream: boolean; reference?: boolean },
  adjust: (g: Slo, v: GateResult) => GateResult = (_, v) => v,
): GateResult[] {
  const verdicts = gates.map((g) => adjust(g, evaluateSlo(g, s)));
  s.targets = targetsFor(t.preset, t.strict, s, { stream: t.stream, reference: t.reference });
  if (t.strict && s.targets) for (const { target: _, pass, ...r } of s.targets.results) if (pass !== null) verdicts.push({ ...r, pass });
  if (verdicts.length > 0) s.slo = verdicts;
  else delete s.slo;
  return verdicts;
}
