// How the mock tells its own timing to the client, in epoch microseconds
// (comparable across processes): headers on every answer, and for a stream
// a comment with its last event. The mock writes them, the load client
// reads them (request path = sent → received; response path = sent → last byte).
export const MOCK_TIMING = {
  /** Header: when the mock received the request. */
  receivedUs: "x-mock-received-us",
  /** Header: when the mock sent the answer (a stream: its headers). */
  sentUs: "x-mock-sent-us",
  /** SSE comment with the stream's last event, just before `data: [DONE]`: `: x-mock-last-event-us=…`. */
  lastEventComment: "x-mock-last-event-us",
} as const;
