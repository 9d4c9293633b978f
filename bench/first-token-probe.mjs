// Preloaded into the server by `bench/first-token.ts` (`node --import …`): for each request, when it
// arrived, when its model call went out and its chunks came back, and when the first body byte was
// written — the first token's path through the server, from Node's own http objects, with no hook
// in the app. The model call is tied to its request by the async context it was made in. SIGUSR2
// writes what was recorded to $FIRST_TOKEN_FILE.
import { AsyncLocalStorage } from "node:async_hooks";
import { renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import { performance } from "node:perf_hooks";

const als = new AsyncLocalStorage();
const rows = [];
const ROW = Symbol("first-token row");

// Outermost, once every preload has run: npm start's own (scripts/trusted-proxy.mjs) answers the
// direct routes without calling the emit it wrapped, so a patch beneath it would miss those requests.
setImmediate(() => {
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event !== "request") return emit.apply(this, arguments);
    const row = { url: req.url, arrived: performance.now(), calls: [] };
    rows.push(row);
    res[ROW] = row;
    return als.run(row, () => emit.apply(this, arguments));
  };
});

const write = http.ServerResponse.prototype.write;
http.ServerResponse.prototype.write = function (chunk) {
  const row = this[ROW];
  if (row && row.firstWrite === undefined && chunk?.length) {
    row.firstWrite = performance.now();
    row.serverTiming = this.getHeader("server-timing");
  }
  return write.apply(this, arguments);
};

const request = http.request;
http.request = function () {
  const req = request.apply(this, arguments);
  const row = als.getStore();
  if (row) {
    // Chunk arrival times up to the first body write are all the analysis needs. The listener puts the
    // response in flowing mode, as the providers' fetch (lib/llm/http-fetch.ts) does anyway; a caller
    // reading a response in paused mode would see it change (the bench's stream path has none).
    const call = { sent: performance.now(), chunks: [] };
    row.calls.push(call);
    req.on("response", (res) => {
      res.on("data", () => {
        if (row.firstWrite === undefined) call.chunks.push(performance.now());
      });
    });
  }
  return req;
};

process.on("SIGUSR2", () => {
  const file = process.env.FIRST_TOKEN_FILE;
  writeFileSync(`${file}.tmp`, JSON.stringify(rows.splice(0)));
  renameSync(`${file}.tmp`, file);
});
