// A stand-in for Stripe's API at its wire format, for tests: the one other stand-in we allow
// besides the model upstream (tests/support/openai-upstream.ts). The real `stripe` SDK reaches it
// through STRIPE_API_BASE (lib/billing/stripe-client.ts maps it onto the SDK's host, port and
// protocol). It speaks what Stripe speaks for the endpoints Flowgate uses: form-encoded bodies
// with bracket notation (`line_items[0][price_data][currency]=usd`), JSON objects with Stripe's id
// prefixes and `object` fields, Stripe's error body `{error: {type, code, message, param}}` with
// its status codes, Idempotency-Key on POSTs (the same key replays the first answer, and is refused
// with other parameters), and a request carried out whose answer never arrives (`loseResponses`). It also plays
// Stripe's side of the flow: a hosted checkout page, paying a session, refunds and disputes, and
// the events Stripe would send, signed the way Stripe signs them.
import http from "node:http";
import { randomBytes } from "node:crypto";
import Stripe from "stripe";

type Obj = Record<string, any>;

export type StripeRequest = { method: string; path: string; params: Obj; headers: http.IncomingHttpHeaders };

export interface StripeStandIn {
  /** e.g. http://127.0.0.1:43123 — what STRIPE_API_BASE is set to. */
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** Every API request received (POST and GET), in order. */
  requests: StripeRequest[];
  /** Objects by id (customers, checkout sessions, payment intents, charges, ...). */
  objects: Map<string, Obj>;
  /** Pays a checkout session as Stripe's hosted page would: a PaymentIntent, a charge, a saved card. Returns the completed session. */
  payCheckout(sessionId: string, opts?: { paymentStatus?: "paid" | "unpaid" }): Obj;
  /** Refunds `amount` (minor units) more of a charge; returns the charge (amount_refunded is cumulative, as at Stripe). */
  refund(chargeId: string, amount: number): Obj;
  /** Opens a dispute on a charge. */
  dispute(chargeId: string): Obj;
  /** An Event object as Stripe sends it. */
  event(type: string, object: Obj): Obj;
  /** The event's JSON and its Stripe-Signature header (t=…,v1=HMAC-SHA256), optionally signed at another time or with another secret. */
  sign(event: Obj, opts?: { timestamp?: number; secret?: string }): { payload: string; header: string };
  /** Off-session PaymentIntents are declined with this card error while set. */
  declineOffSession: string | null;
  /**
   * The next `count` answers to POSTs on `path` are lost after Stripe carried the request out (the
   * object created, its Idempotency-Key recorded): the connection is dropped, as a request that timed
   * out in transit is — the SDK sees a connection error either way, and retries under the same key.
   */
  loseResponses: { path: string; count: number } | null;
  /** Where Stripe sends events (the app's /api/webhooks/stripe): the hosted page's Pay button delivers checkout.session.completed there. */
  webhookUrl: string | null;
  close(): Promise<void>;
}

const sdk = new Stripe("sk_test_standin_signing_only");

const now = () => Math.floor(Date.now() / 1000);
const rnd = (n = 24) => randomBytes(n).toString("base64url").replace(/[-_]/g, "x").slice(0, n);
const PREFIX: Record<string, string> = {
  customer: "cus_",
  "checkout.session": "cs_test_",
  payment_intent: "pi_",
  charge: "ch_",
  payment_method: "pm_",
  event: "evt_",
  refund: "re_",
  dispute: "dp_",
  "billing_portal.session": "bps_",
};
const newId = (object: string) => PREFIX[object]! + rnd();

/** Stripe's form encoding back into objects: `a[b][0][c]=x`, `expand[]=y` (arrays by index or by `[]`). */
export function parseStripeForm(body: string): Obj {
  const out: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let node: any = out;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      const key = Array.isArray(node) && seg === "" ? node.length : seg;
      if (last) node[key] = value;
      else node = node[key] ??= nextIsIndex ? [] : {};
    }
  }
  return out;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(body.message);
  }
}
const invalid = (message: string, param?: string, code = "parameter_invalid_empty") =>
  new StripeApiError(400, { type: "invalid_request_error", code, message, ...(param ? { param } : {}) });
const missing = (param: string) => invalid(`Missing required param: ${param}.`, param, "parameter_missing");
const noSuch = (object: string, id: string, param = "id") =>
  new StripeApiError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such ${object}: '${id}'`, param });

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const secretKey = `sk_test_${rnd(32)}`;
  const webhookSecret = `whsec_${rnd(32)}`;
  const objects = new Map<string, Obj>();
  const requests: StripeRequest[] = [];
  const idempotent = new Map<string, { status: number; body: Obj; params: string }>();
  let base = "";

  const put = (o: Obj) => (objects.set(o.id, o), o);
  const get = (object: string, id: string, param?: string) => {
    const o = objects.get(id);
    if (!o || o.object !== object) throw noSuch(object === "checkout.session" ? "checkout session" : object, id, param);
    return o;
  };
  const metadataOf = (p: Obj) => ({ ...(p.metadata ?? {}) });
  const intOf = (v: unknown, param: string) => {
    if (v === undefined) throw missing(param);
    if (!/^\d+$/.test(String(v))) throw invalid(`Invalid integer: ${String(v)}`, param, "parameter_invalid_integer");
    return Number(v);
  };
  const expand = (o: Obj, p: Obj): Obj => {
    const paths: string[] = Array.isArray(p.expand) ? p.expand : [];
    const copy = { ...o };
    for (const path of paths) if (typeof copy[path] === "string" && objects.has(copy[path])) copy[path] = objects.get(copy[path]);
    return copy;
  };

  function chargeFor(pi: Obj): Obj {
    const ch = put({
      id: newId("charge"),
      object: "charge",
      amount: pi.amount,
      amount_captured: pi.amount,
      amount_refunded: 0,
      currency: pi.currency,
      customer: pi.customer,
      payment_intent: pi.id,
      payment_method: pi.payment_method,
      paid: true,
      refunded: false,
      disputed: false,
      status: "succeeded",
      created: now(),
      livemode: false,
      metadata: { ...pi.metadata },
      receipt_url: `${base}/receipts/${rnd(16)}`,
      refunds: { object: "list", data: [], has_more: false, url: "" },
    });
    pi.latest_charge = ch.id;
    return ch;
  }

  function route(method: string, path: string, p: Obj): { status?: number; body: Obj } {
    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/v1/customers") {
      return {
        body: put({
          id: newId("customer"),
          object: "customer",
          created: now(),
          livemode: false,
          name: p.name ?? null,
          email: p.email ?? null,
          metadata: metadataOf(p),
          invoice_settings: { default_payment_method: null },
        }),
      };
    }
    if (method === "GET" && (m = /^\/v1\/customers\/([^/]+)$/.exec(path))) return { body: get("customer", m[1]!) };
    if (method === "POST" && path === "/v1/checkout/sessions") {
      if (!p.mode) throw missing("mode");
      if (p.mode !== "payment") throw invalid(`Invalid mode: ${p.mode}`, "mode", "parameter_invalid_string");
      if (!p.success_url) throw missing("success_url");
      if (p.customer) get("customer", p.customer, "customer");
      const items: Obj[] = p.line_items ?? [];
      if (!items.length) throw missing("line_items");
      let amount = 0;
      let currency: string | undefined;
      items.forEach((li, i) => {
        const pd = li.price_data;
        if (!pd) throw missing(`line_items[${i}][price_data]`);
        if (!pd.currency) throw missing(`line_items[${i}][price_data][currency]`);
        if (!pd.product_data?.name) throw missing(`line_items[${i}][price_data][product_data][name]`);
        amount +=
          intOf(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`) * intOf(li.quantity ?? "1", `line_items[${i}][quantity]`);
        currency = pd.currency;
      });
      const id = newId("checkout.session");
      return {
        body: put({
          id,
          object: "checkout.session",
          mode: "payment",
          status: "open",
          payment_status: "unpaid",
          amount_total: amount,
          currency,
          customer: p.customer ?? null,
          client_reference_id: p.client_reference_id ?? null,
          metadata: metadataOf(p),
          payment_intent: null,
          success_url: p.success_url,
          cancel_url: p.cancel_url ?? null,
          created: now(),
          livemode: false,
          expires_at: now() + 24 * 3600,
          url: `${base}/c/pay/${id}`,
          payment_intent_data: p.payment_intent_data ?? null,
          line_items_sent: items,
        }),
      };
    }
    if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path)))
      return { body: expand(get("checkout.session", m[1]!), p) };
    if (method === "POST" && path === "/v1/payment_intents") {
      const amount = intOf(p.amount, "amount");
      if (!p.currency) throw missing("currency");
      if (p.customer) get("customer", p.customer, "customer");
      if (p.payment_method) get("payment_method", p.payment_method, "payment_method");
      const pi = put({
        id: newId("payment_intent"),
        object: "payment_intent",
        amount,
        amount_received: 0,
        currency: p.currency,
        customer: p.customer ?? null,
        payment_method: p.payment_method ?? null,
        metadata: metadataOf(p),
        status: "requires_payment_method",
        latest_charge: null,
        created: now(),
        livemode: false,
        off_session: p.off_session === "true",
        last_payment_error: null,
      });
      if (p.confirm === "true") {
        if (!pi.payment_method)
          throw invalid(
            "You must provide a payment method to confirm this PaymentIntent.",
            "payment_method",
            "payment_intent_unexpected_state",
          );
        if (standIn.declineOffSession && pi.off_session) {
          const err = {
            type: "card_error",
            code: "card_declined",
            decline_code: standIn.declineOffSession,
            message: "Your card was declined.",
            param: "",
          };
          pi.status = "requires_payment_method";
          pi.last_payment_error = err;
          throw new StripeApiError(402, { ...err, payment_intent: pi });
        }
        pi.status = "succeeded";
        pi.amount_received = amount;
        chargeFor(pi);
      }
      return { body: pi };
    }
    if (method === "GET" && (m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) return { body: expand(get("payment_intent", m[1]!), p) };
    if (method === "GET" && path === "/v1/payment_intents") {
      // Newest first; `customer`, `created[gte]`, `limit` (default 10) and `starting_after`, as Stripe lists.
      const all = [...objects.values()]
        .filter((o) => o.object === "payment_intent" && (!p.customer || o.customer === p.customer))
        .filter((o) => p.created?.gte === undefined || o.created >= intOf(p.created.gte, "created[gte]"))
        .reverse();
      const from = p.starting_after ? all.findIndex((o) => o.id === p.starting_after) + 1 : 0;
      const limit = p.limit === undefined ? 10 : intOf(p.limit, "limit");
      const data = all.slice(from, from + limit);
      return { body: { object: "list", url: path, data, has_more: from + limit < all.length } };
    }
    if (method === "POST" && path === "/v1/billing_portal/sessions") {
      if (!p.customer) throw missing("customer");
      get("customer", p.customer, "customer");
      const id = newId("billing_portal.session");
      return {
        body: put({
          id,
          object: "billing_portal.session",
          customer: p.customer,
          return_url: p.return_url ?? null,
          url: `${base}/p/session/${id}`,
          created: now(),
          livemode: false,
        }),
      };
    }
    throw new StripeApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const send = (status: number, body: Obj | string, type = "application/json") => {
        res.writeHead(status, { "content-type": type, "request-id": `req_${rnd(14)}` });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      // Stripe's hosted checkout page: what a buyer's browser lands on. Pay does what Stripe does:
      // charges, sends the signed checkout.session.completed to the endpoint, returns the buyer to success_url.
      if (url.pathname.startsWith("/c/pay/")) {
        const s = objects.get(url.pathname.slice("/c/pay/".length));
        if (!s || s.object !== "checkout.session") return send(404, "<h1>Checkout session not found</h1>", "text/html");
        if (req.method === "POST") {
          void (async () => {
            const completed = s.status === "complete" ? { ...s } : standIn.payCheckout(s.id);
            if (standIn.webhookUrl) {
              const { payload, header } = standIn.sign(standIn.event("checkout.session.completed", completed));
              await fetch(standIn.webhookUrl, {
                method: "POST",
                body: payload,
                headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header },
              }).catch(() => {});
            }
            res.writeHead(303, { location: String(s.success_url).replace("{CHECKOUT_SESSION_ID}", s.id) }).end();
          })();
          return;
        }
        const price = `${(s.amount_total / 100).toFixed(2)} ${String(s.currency).toUpperCase()}`;
        return send(
          200,
          `<!doctype html><meta charset="utf-8"><title>Stripe Checkout (stand-in)</title><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<p>Stripe Checkout — test stand-in</p><h1>Pay ${price}</h1><p>${s.line_items_sent?.[0]?.price_data?.product_data?.name ?? ""}</p><p id="session">${s.id}</p>
<form method="post"><button type="submit" style="font-size:1.1rem;padding:.5rem 1.5rem">Pay ${price}</button></form></body>`,
          "text/html",
        );
      }
      if (!url.pathname.startsWith("/v1/")) return send(404, "not found", "text/plain");
      const auth = req.headers.authorization ?? "";
      if (auth !== `Bearer ${secretKey}`) {
        return send(401, {
          error: {
            type: "invalid_request_error",
            message: "Invalid API Key provided: " + auth.replace(/^Bearer /, "").slice(0, 8) + "********",
          },
        });
      }
      const params = req.method === "GET" ? parseStripeForm(url.search.slice(1)) : parseStripeForm(Buffer.concat(chunks).toString("utf8"));
      requests.push({ method: req.method!, path: url.pathname, params, headers: req.headers });
      const ikey = req.method === "POST" ? req.headers["idempotency-key"] : undefined;
      const cacheKey = typeof ikey === "string" ? `${url.pathname}\n${ikey}` : undefined;
      const cached = cacheKey && idempotent.get(cacheKey);
      const lose = () => {
        const l = standIn.loseResponses;
        if (req.method !== "POST" || l?.path !== url.pathname || l.count <= 0) return false;
        l.count--;
        req.socket.destroy();
        return true;
      };
      if (cached) {
        // Stripe compares a replay's parameters with the first request's.
        if (cached.params !== JSON.stringify(params))
          return send(400, {
            error: {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${String(ikey)}' if you meant to execute a different request.`,
            },
          });
        if (lose()) return;
        return send(cached.status, cached.body);
      }
      let status = 200;
      let body: Obj;
      try {
        const r = route(req.method!, url.pathname, params);
        status = r.status ?? 200;
        body = r.body;
      } catch (e) {
        if (!(e instanceof StripeApiError)) throw e;
        status = e.status;
        body = { error: e.body };
      }
      // Stripe replays the first answer of a key as it was then, errors included (except 5xx and rate limits).
      if (cacheKey) idempotent.set(cacheKey, { status, body: structuredClone(body), params: JSON.stringify(params) });
      if (lose()) return;
      send(status, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const standIn: StripeStandIn = {
    url: base,
    secretKey,
    webhookSecret,
    requests,
    objects,
    declineOffSession: null,
    loseResponses: null,
    webhookUrl: null,
    payCheckout(sessionId, opts = {}) {
      const s = get("checkout.session", sessionId);
      const pm = put({
        id: newId("payment_method"),
        object: "payment_method",
        type: "card",
        customer: s.customer,
        card: { brand: "visa", last4: "4242" },
      });
      const pi = put({
        id: newId("payment_intent"),
        object: "payment_intent",
        amount: s.amount_total,
        amount_received: 0,
        currency: s.currency,
        customer: s.customer,
        payment_method: pm.id,
        metadata: { ...(s.payment_intent_data?.metadata ?? {}) },
        status: "processing",
        latest_charge: null,
        created: now(),
        livemode: false,
        setup_future_usage: s.payment_intent_data?.setup_future_usage ?? null,
      });
      s.payment_intent = pi.id;
      s.status = "complete";
      s.payment_status = opts.paymentStatus ?? "paid";
      if (s.payment_status === "paid") {
        pi.status = "succeeded";
        pi.amount_received = pi.amount;
        chargeFor(pi);
      }
      const { line_items_sent: _l, ...wire } = s;
      return { ...wire };
    },
    refund(chargeId, amount) {
      const ch = get("charge", chargeId);
      if (ch.amount_refunded + amount > ch.amount) throw new Error("stand-in: refund exceeds the charge");
      const re = put({
        id: newId("refund"),
        object: "refund",
        amount,
        charge: ch.id,
        payment_intent: ch.payment_intent,
        currency: ch.currency,
        status: "succeeded",
        created: now(),
      });
      ch.amount_refunded += amount;
      ch.refunded = ch.amount_refunded === ch.amount;
      ch.refunds = { ...ch.refunds, data: [re, ...ch.refunds.data] };
      return { ...ch };
    },
    dispute(chargeId) {
      const ch = get("charge", chargeId);
      ch.disputed = true;
      return put({
        id: newId("dispute"),
        object: "dispute",
        amount: ch.amount,
        charge: ch.id,
        payment_intent: ch.payment_intent,
        currency: ch.currency,
        reason: "fraudulent",
        status: "needs_response",
        created: now(),
        livemode: false,
      });
    },
    event(type, object) {
      return {
        id: newId("event"),
        object: "event",
        api_version: "2026-10-28.endive",
        created: now(),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: { object },
      };
    },
    sign(event, opts = {}) {
      const payload = JSON.stringify(event, null, 2);
      const header = sdk.webhooks.generateTestHeaderString({
        payload,
        secret: opts.secret ?? webhookSecret,
        timestamp: opts.timestamp ?? now(),
      });
      return { payload, header };
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return standIn;
}
