// Hidden `__proxy`: the built-in pass-through gateway as a child of `gatebench run`.
import { defineCommand } from "citty";
import { startProxy } from "../../gateway/proxy.ts";
import { portFlag } from "../values.ts";
import { listenOrFail, serveAsChild } from "./serve.ts";

export const proxyChildCommand = defineCommand({
  meta: { name: "__proxy", description: "internal: the built-in pass-through gateway", hidden: true },
  args: {
    port: { type: "string", default: "8081" },
    host: { type: "string", default: "127.0.0.1" },
    upstream: { type: "string", required: true },
  },
  async run({ args }) {
    const port = portFlag("port", args.port);
    const server = listenOrFail("gateway (built-in proxy)", args.host, port, () => startProxy({ host: args.host, port, upstream: args.upstream }));
    await serveAsChild(server.port ?? 0, () => server.stop(true));
  },
});
