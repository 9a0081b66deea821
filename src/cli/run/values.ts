// The values of single run flags, each checked: a bad one is a UsageError
// that names the flag, what was expected and an example.
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { APIS, isApi, type Api } from "../../apis.ts";
import { closest } from "../../closest.ts";
import { CLIENT_KINDS, type ClientKind } from "../../load/client.ts";
import { START_AT_HORIZON_MS, START_AT_SLACK_MS, startAtAdvice, startAtExample } from "../../run/config.ts";
import { UsageError } from "../errors.ts";
import { parseDuration, positiveNumberFlag, wholeNumberFlag } from "../values.ts";

/** vegeta's "50/s", "3000/1m", "5/500ms": requests per that span, as requests per second; undefined for anything else. */
export function perSpan(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*\/\s*(\S+)\s*$/.exec(value);
  if (!m) return undefined;
  const span = parseDuration(/^[a-zµ]/.test(m[2]!) ? `1${m[2]}` : m[2]!);
  return span === undefined || span === 0 ? undefined : (Number(m[1]) * 1000) / span;
}

/** "50", "50/s" or "10:500": a rate, or a ramp's two ends. */
export function rateFlag(value: string): { from: number; to: number | undefined } {
  if (value.includes("/")) {
    const rps = perSpan(value);
    if (rps === undefined || !(rps > 0)) throw new UsageError(`--rate "${value}": expected requests per span, e.g. --rate 50/s or --rate 3000/1m`);
    return { from: rps, to: undefined };
  }
  const parts = value.split(":");
  const bad = (): UsageError =>
    new UsageError(`--rate "${value}": expected a rate above zero, or FROM:TO with TO above zero, e.g. --rate 200 or --rate 10:500`);
  const num = (v: string): number => (/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(v) ? Number(v) : Number.NaN);
  if (parts.length === 2) {
    const from = num(parts[0]!);
    const to = num(parts[1]!);
    if (!(from >= 0) || !(to > 0) || !Number.isFinite(from) || !Number.isFinite(to)) throw bad();
    return { from, to };
  }
  if (parts.length > 2) throw bad();
  return { from: positiveNumberFlag("rate", value, "200"), to: undefined };
}

export function stepsFlag(value: string): number[] {
  const rates = value.split(",").map((v) => positiveNumberFlag("steps", v, "50,100,200"));
  return rates;
}

/** Headers given with -H, each "Name: value"; all of them (citty keeps only the last of a repeated flag). */
export function headersFrom(rawArgs: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const a of rawArgs) {
    if (!a.startsWith("--header=")) continue;
    const v = a.slice("--header=".length);
    const colon = v.indexOf(":");
    const name = colon > 0 ? v.slice(0, colon).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header "${v}": expected "Name: value", e.g. -H "Authorization: Bearer sk-test"`);
    out.push([name, v.slice(colon + 1).trim()]);
  }
  return out;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * An ISO 8601 date and time with its zone ("2026-11-23T10:00:00Z",
 * "2026-11-23T11:00:00.5+01:00", "2026-11-23 10:00Z") as epoch ms;
 * undefined for anything else, a time without a zone included (which
 * zone would it be on another machine?) and a day the month lacks.
 */
export function parseInstant(value: string): number | undefined {
  const m = ISO_INSTANT.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  const [offH, offM] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  if (offH > 23 || offM > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec);
  const t = new Date(utc);
  // Date.UTC rolls Feb 30 over into March: the fields must come back as given
  if (
    t.getUTCFullYear() !== y ||
    t.getUTCMonth() !== mo - 1 ||
    t.getUTCDate() !== d ||
    t.getUTCHours() !== h ||
    t.getUTCMinutes() !== mi ||
    t.getUTCSeconds() !== sec
  )
    return undefined;
  const fractionMs = m[7] ? Math.trunc(Number(`0.${m[7]}`) * 1000) : 0;
  const offsetMs = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (offH * 60 + offM) * 60_000;
  return utc + fractionMs - offsetMs;
}

/**
 * --start-at: the instant in UTC with milliseconds. Refused: not a time with
 * a zone; an instant the load cannot meet (passed, or nearer than the idle
 * phase, by more than START_AT_SLACK_MS); one more than 24 h ahead.
 */
export function startAtFlag(value: string, idleMs: number, readyTimeoutMs: number, nowMs = Date.now()): string {
  const ms = parseInstant(value);
  if (ms === undefined)
    throw new UsageError(
      `--start-at "${value}": expected an ISO 8601 date and time with a zone (Z or +hh:mm), e.g. --start-at 2026-11-23T10:00:00Z or ${startAtExample(120)}`,
    );
  const span = (x: number): string =>
    x < 120_000
      ? `${(x / 1000).toFixed(1)} s`
      : x < 7_200_000
        ? `${Math.round(x / 60_000)} min`
        : x < 172_800_000
          ? `${Math.round(x / 3_600_000)} h`
          : `${Math.round(x / 86_400_000)} days`;
  // the load begins after the idle phase at the earliest; the mock and the gateway may take up to --ready-timeout before it
  const advice = startAtAdvice(Math.ceil((idleMs + readyTimeoutMs) / 1000));
  if (ms + START_AT_SLACK_MS < nowMs + idleMs) {
    if (ms <= nowMs) throw new UsageError(`--start-at "${value}": passed ${span(nowMs - ms)} ago; ${advice}`);
    throw new UsageError(`--start-at "${value}": only ${span(ms - nowMs)} ahead, and the ${idleMs / 1000} s idle phase comes first; ${advice}`);
  }
  if (ms - nowMs > START_AT_HORIZON_MS)
    throw new UsageError(`--start-at "${value}": ${span(ms - nowMs)} ahead; give a time within the next 24 h, e.g. ${startAtExample(120)}`);
  return new Date(ms).toISOString();
}

export function instanceFlag(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value))
    throw new UsageError(`--instance "${value}": expected a short name of letters, digits, ".", "_" or "-", e.g. --instance pod-0`);
  return value;
}

export function wholeOrZero(flag: string, value: string): number {
  return value.trim() === "0" ? 0 : wholeNumberFlag(flag, value, "42");
}

/** An http(s) URL; `label` names it in the message when it was not given as --flag (a positional URL). */
export function urlFlag(flag: string, value: string, label = `--${flag} "${value}"`): string {
  const bad = () => new UsageError(`${label}: expected an http:// or https:// URL, e.g. --${flag} http://127.0.0.1:4000`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw bad();
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw bad();
  return u.href;
}

export function clientFlag(value: string): ClientKind {
  if (!(CLIENT_KINDS as readonly string[]).includes(value))
    throw new UsageError(`--client "${value}": expected ${CLIENT_KINDS.join(" or ")}, e.g. --client fetch`);
  return value as ClientKind;
}

/** --api: one of the LLM APIs gatebench speaks. */
export function apiFlag(value: string): Api {
  if (isApi(value)) return value;
  const guess = closest(value.toLowerCase(), APIS);
  throw new UsageError(
    `--api "${value}": expected ${APIS.slice(0, -1).join(", ")} or ${APIS.at(-1)}${guess ? ` (did you mean ${guess}?)` : ""}, e.g. --api messages for Anthropic Messages`,
  );
}

/** A file that must exist and be readable now; its absolute path. */
export function readableFile(flag: string, value: string): string {
  const path = resolve(value);
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw new Error("not a file");
  } catch {
    throw new UsageError(`--${flag} "${value}": no readable file there, e.g. --${flag} ./ca.pem`);
  }
  return path;
}
