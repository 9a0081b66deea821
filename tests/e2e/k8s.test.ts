// examples/k8s: every manifest parses and the pieces agree (an Indexed Job
// of PODS pods, its ConfigMap, volume and Services); the per-pod script,
// run with a stand-in gatebench that prints its argv, derives the rate, the
// instance and the start as README.md says; and what the Job does, done on
// this machine: two instances at half the rate with one --start-at, merged,
// give the totals of one instance at the whole rate.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { normalizeArgv } from "../../src/cli/argv.ts";
import { runArgs } from "../../src/cli/run/flags.ts";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { cli, ROOT, scratch, startCli, waitFor } from "./helpers.ts";

const K8S = join(ROOT, "examples", "k8s");
const { dir, tagged } = scratch("gatebench-k8s-");

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  restartPolicy?: string;
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    backoffLimit?: number;
    template?: { spec: PodSpec };
    ports?: { port: number }[];
  };
}

const files = readdirSync(K8S)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const manifests: { file: string; doc: Manifest }[] = files.flatMap((file) => {
  const parsed = Bun.YAML.parse(readFileSync(join(K8S, file), "utf8")) as Manifest | Manifest[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((doc) => ({ file, doc }));
});
const docs = manifests.map((m) => m.doc);
const jobs = docs.filter((d) => d.kind === "Job");
const loadJob = jobs.find((j) => j.spec?.completionMode === "Indexed")!;
const mergeJob = jobs.find((j) => j !== loadJob)!;
const container = (job: Manifest): Container => job.spec!.template!.spec.containers[0]!;
const configMapOf = (c: Container): Manifest => {
  const name = c.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
  return docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name)!;
};
/** The script a container runs: `sh -c SCRIPT NAME`. */
const scriptOf = (c: Container): string => {
  expect(c.command!.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
  return c.command![2]!;
};

describe.concurrent("examples/k8s manifests", () => {
  test("every YAML document parses into a Kubernetes object", () => {
    expect(files).toEqual(["gateway.yaml", "load-job.yaml", "merge-job.yaml", "mock.yaml"]);
    for (const { file, doc } of manifests) {
      expect(`${file}: ${typeof doc.apiVersion}/${typeof doc.kind}/${typeof doc.metadata?.name}`).toBe(`${file}: string/string/string`);
    }
    expect(docs.map((d) => d.kind).sort()).toEqual([
      "ConfigMap",
      "ConfigMap",
      "Deployment",
      "Deployment",
      "Job",
      "Job",
      "PersistentVolumeClaim",
      "Service",
      "Service",
    ]);
  });

  test("the load Job is Indexed, with completions = parallelism = PODS, and its script sends each pod's part", () => {
    const spec = loadJob.spec!;
    expect(spec.completions).toBe(spec.parallelism!);
    const c = container(loadJob);
    const config = configMapOf(c);
    expect(Number(config.data!.PODS)).toBe(spec.completions!);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template!.spec.restartPolicy).toBe("Never");
    const script = scriptOf(c);
    for (const flag of ["--start-at", "--instance", "--rate", "--json", "--target", "--no-mock", "--duration"]) expect(script).toContain(flag);
    // TARGET names a Service of the recipe, on its port
    const target = new URL(config.data!.TARGET!);
    const service = docs.find((d) => d.kind === "Service" && d.metadata.name === target.hostname);
    expect(service?.spec?.ports?.map((p) => p.port)).toContain(Number(target.port));
  });

  test("the variables the scripts read are set: the ConfigMap's, and JOB_COMPLETION_INDEX for the Indexed Job", () => {
    for (const job of [loadJob, mergeJob]) {
      const c = container(job);
      const script = scriptOf(c);
      const assigned = new Set([...script.matchAll(/^\s*([A-Za-z_]\w*)=/gm)].map((m) => m[1]!));
      const read = new Set([...script.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]!).filter((n) => !assigned.has(n)));
      const defined = new Set([
        ...Object.keys(configMapOf(c).data ?? {}),
        ...(c.env ?? []).map((e) => e.name),
        ...(job === loadJob ? ["JOB_COMPLETION_INDEX"] : []),
      ]);
      expect([...read].filter((n) => !defined.has(n))).toEqual([]);
      expect(read.has("PODS")).toBe(true);
    }
  });

  test("both Jobs share the results volume at /results, and the merge Job merges", () => {
    const claim = docs.find((d) => d.kind === "PersistentVolumeClaim")!.metadata.name;
    for (const job of [loadJob, mergeJob]) {
      const pod = job.spec!.template!.spec;
      const volume = pod.volumes!.find((v) => v.persistentVolumeClaim?.claimName === claim)!;
      expect(container(job).volumeMounts).toContainEqual({ name: volume.name, mountPath: "/results" });
    }
    expect(scriptOf(container(mergeJob))).toContain('exec gatebench merge "$@" --out /results/total.json');
  });

  test("every gatebench container runs the image the Dockerfile says how to build", () => {
    const dockerfile = readFileSync(join(K8S, "Dockerfile"), "utf8");
    const images = docs
      .flatMap((d) => (d.kind === "Job" || d.kind === "Deployment" ? (d.spec!.template!.spec.containers ?? []) : []))
      .map((c) => c.image)
      .filter((i) => !i.startsWith("nginx:"));
    expect(images.length).toBe(3);
    for (const image of images) expect(dockerfile).toContain(`-t ${image} .`);
    const mock = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "gatebench-mock")!;
    expect(container(mock).args!.slice(0, 3)).toEqual(["mock", "--host", "0.0.0.0"]);
  });
});

describe.concurrent("the load Job's per-pod script", () => {
  // a stand-in gatebench that prints its arguments, one per line
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "gatebench"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
  chmodSync(join(bin, "gatebench"), 0o755);

  const START_AT = "2026-11-23T10:00:00Z";
  const runScript = (env: Record<string, string>) => {
    const c = container(loadJob);
    const r = Bun.spawnSync([...c.command!, ...c.args!], {
      env: { PATH: `${bin}:${process.env.PATH}`, TARGET: "http://gateway:8080", DURATION: "60s", START_AT, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: r.exitCode, argv: r.stdout.toString().split("\n").slice(0, -1), stderr: r.stderr.toString() };
  };

  test("pod 2 of 4 at 400 req/s in all: 100 req/s as pod-2, from START_AT, into /results/pod-2.json", () => {
    const r = runScript({ JOB_COMPLETION_INDEX: "2", PODS: "4", TOTAL_RATE: "400" });
    expect(r.code).toBe(0);
    expect(r.argv).toEqual([
      "run",
      "--target",
      "http://gateway:8080",
      "--no-mock",
      "--rate",
      "100",
      "--duration",
      "60s",
      "--start-at",
      START_AT,
      "--instance",
      "pod-2",
      "--json",
      "/results/pod-2.json",
      "--arrival",
      "poisson",
    ]);
    // every flag is one gatebench run knows
    expect(() => normalizeArgv(r.argv.slice(1), runArgs, "gatebench run")).not.toThrow();
  });

  test("a rate that does not divide evenly: equal parts that add up to the total", () => {
    for (const index of ["0", "1", "2"]) {
      const r = runScript({ JOB_COMPLETION_INDEX: index, PODS: "3", TOTAL_RATE: "100" });
      expect(r.code).toBe(0);
      const rate = Number(r.argv[r.argv.indexOf("--rate") + 1]);
      expect(Math.abs(rate * 3 - 100)).toBeLessThan(1e-6);
      expect(r.argv[r.argv.indexOf("--instance") + 1]).toBe(`pod-${index}`);
    }
  });

  test("an index beyond PODS (the Job's completions changed, not PODS): exit 2, saying so", () => {
    const r = runScript({ JOB_COMPLETION_INDEX: "4", PODS: "4", TOTAL_RATE: "400" });
    expect(r.code).toBe(2);
    expect(r.argv).toEqual([]);
    expect(r.stderr).toContain("completion index 4 with PODS=4");
  });
});

describe.concurrent("the Job's load, on this machine", () => {
  type Doc = ResultDoc & { run: { load_started_at: string } };
  const path = (name: string): string => join(dir, `${name}.json`);
  const read = (name: string): Doc => JSON.parse(readFileSync(path(name), "utf8"));

  test("pod-0 and pod-1 at 20 req/s from one --start-at merge into the totals of one instance at 40 req/s", async () => {
    // one upstream for all, attached with --target --no-mock as the pods attach to the gateway's Service
    await using mock = startCli(["mock", "--port", "0"], { tag: tagged() });
    const listening = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(mock.out.stderr), 10_000, "the mock to listen");
    const target = listening![1]!;
    const attach = (name: string, rate: number, more: string[] = []) =>
      cli(["run", "--target", target, "--no-mock", "--rate", String(rate), "--duration", "2s", "--json", path(name), ...more], { tag: tagged() });
    const startAt = new Date(Date.now() + 4000).toISOString();
    const runs = await Promise.all([
      attach("pod-0", 20, ["--start-at", startAt, "--instance", "pod-0"]),
      attach("pod-1", 20, ["--start-at", startAt, "--instance", "pod-1"]),
      attach("whole", 40),
    ]);
    for (const r of runs) expect(r.code).toBe(0);

    const m = await cli(["merge", path("pod-0"), path("pod-1"), "--out", path("total")]);
    expect(m.code).toBe(0);
    const [p0, p1, whole, total] = [read("pod-0"), read("pod-1"), read("whole"), read("total")];
    expect(total.summary.requests.total).toBe(80);
    expect(total.summary.requests.total).toBe(whole.summary.requests.total);
    expect(total.summary.requests.ok).toBe(whole.summary.requests.ok);
    expect(total.summary.requests.ok).toBe(p0.summary.requests.ok + p1.summary.requests.ok);
    expect(total.config.rateRps).toBe(40);
    // the instant is the parts' own, shared: the merged config keeps it
    expect(total.config.startAt).toBe(startAt);

    // the parts began together, at the instant
    const starts = [p0, p1].map((d) => Date.parse(d.run.load_started_at));
    expect(Math.abs(starts[0]! - starts[1]!)).toBeLessThanOrEqual(100);
    for (const s of starts) expect(s).toBeGreaterThanOrEqual(Date.parse(startAt));
    // merge aligns the parts by their loads' start, not by when each process began
    expect(Date.parse(total.run.load_started_at)).toBe(Math.min(...starts));
    expect((total.summary.warnings ?? []).join("\n")).not.toContain("began up to");

    // the upstream received what the reports claim, no more
    const stats = (await (await fetch(`${target}/__stats`)).json()) as { requests: number };
    expect(stats.requests).toBe(total.summary.requests.total + whole.summary.requests.total);
  }, 60_000);
});
