// Headless Chromium for tests, driven over the DevTools protocol: started on
// a free debugging port (read back from DevToolsActivePort, never a fixed
// port), one page whose console errors, exceptions and requests are
// collected, and stopped by its pid (its process group) when disposed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./helpers.ts";

/** The Chromium executable, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  return Bun.which("chromium") ?? Bun.which("chromium-browser") ?? undefined;
}

// biome-ignore lint: protocol messages are loosely typed JSON
type Json = any;

/** A page in the browser: `send` talks to it, and what it logged and fetched collects in `errors` and `requests`. */
export interface Page {
  send(method: string, params?: Json): Promise<Json>;
  /** Evaluates an expression in the page and returns its value (promises awaited). */
  evaluate(expression: string): Promise<Json>;
  errors: string[];
  requests: string[];
}

export interface Browser extends AsyncDisposable {
  pid: number;
  page(): Promise<Page>;
}

const CALL_TIMEOUT_MS = 20_000;

/** Starts headless Chromium; `await using` it so it is stopped even when the test fails. */
export async function startChromium(bin: string, env: Record<string, string>): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "gatebench-chromium-"));
  const proc = Bun.spawn(
    [
      bin,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      "--window-size=1280,2400",
      "about:blank",
    ],
    // its own process group, so stopping it by pid also reaches its renderer and helpers
    { env, stdin: "ignore", stdout: "ignore", stderr: "pipe", detached: true, timeout: 180_000, killSignal: "SIGKILL" },
  );
  let stderr = "";
  void (async () => {
    const d = new TextDecoder();
    for await (const c of proc.stderr) stderr = (stderr + d.decode(c, { stream: true })).slice(-4000);
  })();
  // the whole group: the browser's helpers may outlive it by a moment
  const stop = async (): Promise<void> => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // the group is gone already
    }
    await proc.exited;
    rmSync(profile, { recursive: true, force: true });
  };

  let ws: WebSocket;
  try {
    // Chromium writes the port it picked, and the browser endpoint's path, into the profile
    const portFile = join(profile, "DevToolsActivePort");
    const [port, path] = (await waitFor(
      (): string[] | false => {
        if (proc.exitCode !== null) throw new Error(`chromium exited with code ${proc.exitCode}: ${stderr.slice(-1000)}`);
        if (!existsSync(portFile)) return false;
        // written whole once both lines (port, then path) are there
        const lines = readFileSync(portFile, "utf8").split("\n");
        return lines.length >= 2 && lines[1] ? lines : false;
      },
      20_000,
      "chromium's DevToolsActivePort",
    )) as string[];
    ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to chromium's DevTools on port ${port}`));
    });
  } catch (err) {
    await stop();
    throw err;
  }

  let nextId = 1;
  const calls = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  const listeners: ((msg: Json) => void)[] = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data));
    const call = msg.id === undefined ? undefined : calls.get(msg.id);
    if (call) {
      calls.delete(msg.id);
      if (msg.error) call.reject(new Error(`DevTools: ${msg.error.message}`));
      else call.resolve(msg.result);
    } else for (const l of listeners) l(msg);
  };
  ws.onclose = () => {
    for (const call of calls.values()) call.reject(new Error("DevTools connection closed"));
    calls.clear();
  };
  const send = (method: string, params: Json = {}, sessionId?: string): Promise<Json> => {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        calls.delete(id);
        reject(new Error(`DevTools: no answer to ${method} in ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      calls.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  };

  return {
    pid: proc.pid,
    async page(): Promise<Page> {
      const { targetId } = await send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
      const errors: string[] = [];
      const requests: string[] = [];
      listeners.push((msg) => {
        if (msg.sessionId !== sessionId) return;
        const p = msg.params;
        if (msg.method === "Runtime.exceptionThrown") errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
        if (msg.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
          errors.push(`console.${p.type}: ${p.args.map((a: Json) => a.value ?? a.description).join(" ")}`);
        }
        if (msg.method === "Log.entryAdded" && p.entry.level === "error") errors.push(`log: ${p.entry.text} ${p.entry.url ?? ""}`);
        if (msg.method === "Network.requestWillBeSent") requests.push(p.request.url);
      });
      const pageSend = (method: string, params: Json = {}) => send(method, params, sessionId);
      for (const domain of ["Runtime", "Log", "Network", "Page"]) await pageSend(`${domain}.enable`);
      return {
        send: pageSend,
        errors,
        requests,
        async evaluate(expression: string) {
          const r = await pageSend("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
          if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
          return r.result.value;
        },
      };
    },
    async [Symbol.asyncDispose]() {
      // a clean exit first; whatever is left after a short grace is killed by pid
      send("Browser.close").catch(() => {
        // the connection drops as the browser closes, often before the answer
      });
      await waitFor(() => proc.exitCode !== null || proc.signalCode !== null, 5_000, "chromium to exit").catch(() => {
        // it did not exit in time: stop() kills it
      });
      ws.close();
      await stop();
    },
  };
}
