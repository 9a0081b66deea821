// What one request produced. The load engine fills these; the recorder folds
// them into histograms and counters. Error kinds are an enum so counting is
// an array index, not a string lookup.

export enum ErrorKind {
  /** The response was not 2xx. */
  Status = 0,
  /** The connection was refused or could not be made. */
  Connect,
  /** The connection was closed or reset while the request or response was in flight. */
  Reset,
  /** The request exceeded the per-request timeout. */
  Timeout,
  /** A stream ended before its API's end event (`data: [DONE]`, message_stop, …), or with a failure event. */
  StreamIncomplete,
  /** A 2xx answer to a stream request that is not an event stream (wrong content type, events that are not JSON). */
  StreamMalformed,
  /** The run was stopped while the request was in flight. */
  Aborted,
  /** Anything else (reported with the first message seen). */
  Other,
  /** The response broke HTTP/1.1 (a garbled status line or header, a bad chunk size, bytes after the response's end). */
  Protocol,
  /**
   * This machine's own limit, not the target's: no ephemeral port left
   * (EADDRNOTAVAIL) or no file descriptor (EMFILE, ENFILE). The request
   * never left; it is counted apart from the requests the target answered.
   */
  LoadGenerator,
  /**
   * A 2xx answer in another LLM API's shape than the one asked for (--api):
   * chat chunks where Anthropic Messages events were expected, a Responses
   * answer to a chat request… The gateway served or translated the wrong API.
   */
  WrongShape,
}

export const ERROR_KIND_NAMES: readonly string[] = [
  "http_status",
  "connect",
  "reset",
  "timeout",
  "stream_incomplete",
  "stream_malformed",
  "aborted",
  "other",
  "protocol",
  "load_generator",
  "wrong_shape",
];

export const ERROR_KIND_COUNT = ERROR_KIND_NAMES.length;

/**
 * Timestamps are milliseconds on one process's monotonic clock
 * (`performance.now()`); a timestamp of -1 means "did not happen".
 */
export interface RequestResult {
  intendedMs: number;
  sentMs: number;
  headersMs: number;
  firstByteMs: number;
  /** First SSE event whose delta carries non-empty content. */
  firstContentMs: number;
  lastContentMs: number;
  endMs: number;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** -1 when the request succeeded. */
  error: ErrorKind | -1;
  /** Set for ErrorKind.Other, so the report can say what happened. */
  errorMessage: string;
  bytesIn: number;
  contentEvents: number;
  /** completion_tokens from a usage chunk, -1 when none was seen. */
  usageTokens: number;
  /**
   * From the mock's timing (epoch clocks of two processes): send → the mock
   * received the request ("request path"), and the mock sent the answer or
   * the stream's last event → the last byte here ("response path"). NaN
   * when the answer did not carry the mock's timing.
   */
  requestPathMs: number;
  responsePathMs: number;
}

export function emptyResult(intendedMs: number): RequestResult {
  return {
    intendedMs,
    sentMs: -1,
    headersMs: -1,
    firstByteMs: -1,
    firstContentMs: -1,
    lastContentMs: -1,
    endMs: -1,
    status: 0,
    error: -1,
    errorMessage: "",
    bytesIn: 0,
    contentEvents: 0,
    usageTokens: -1,
    requestPathMs: Number.NaN,
    responsePathMs: Number.NaN,
  };
}
