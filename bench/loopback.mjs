// Preloaded into the peer gateway (`node --import ./bench/loopback.mjs …`): its bin listens on every
// interface with no option to choose, and a benchmark's servers stay on loopback. A listen() given a
// port but no host gets 127.0.0.1.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (port, host, ...rest) {
  if (typeof port !== "number") return listen.call(this, port, host, ...rest);
  return typeof host === "string"
    ? listen.call(this, port, host, ...rest)
    : listen.call(this, port, "127.0.0.1", ...[host, ...rest].filter((x) => x !== undefined));
};
