"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createWebhookAction, deleteWebhookAction, enableWebhookAction, redeliverWebhookAction } from "./actions";
import { ShownOnce } from "@/components/shown-once";
import { ActionButton } from "@/components/action-button";
import { useToast } from "@/components/toast";
import { useAction } from "@/components/use-action";
import { Button, Empty, Input } from "@/components/ui";

export type WebhookRow = {
  webhook_id: string;
  url: string;
  events: string[];
  include_data: boolean;
  created_at: string;
  failing_since: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
};
export type DeliveryRow = {
  delivery_id: string;
  webhook_id: string;
  event: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_latency_ms: number | null;
  last_response: string | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
};

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : "—");
const row = "border-t border-neutral-200 align-top dark:border-neutral-800";

/** Endpoints (create, enable, delete), and the delivery log with a redeliver button. Admins only (the page checks). */
export function WebhooksPanel({
  orgId,
  endpoints,
  deliveries,
  events,
}: {
  orgId: string;
  endpoints: WebhookRow[];
  deliveries: DeliveryRow[];
  events: string[];
}) {
  const router = useRouter();
  const toast = useToast();
  const act = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const urls = new Map(endpoints.map((e) => [e.webhook_id, e.url]));
  return (
    <div className="space-y-6">
      <form
        className="space-y-3"
        action={async (form) => {
          const res = await createWebhookAction({
            orgId,
            url: String(form.get("url")),
            events: form.getAll("events").map(String),
            includeData: form.get("includeData") === "on",
          });
          if (!res.ok) return toast.error(res.error.message);
          setSecret(res.data.secret);
          router.refresh();
        }}
      >
        <div className="flex gap-2">
          <Input name="url" type="url" required placeholder="https://example.com/hooks/flowgate" aria-label="Endpoint URL" />
          <Button type="submit">Add endpoint</Button>
        </div>
        <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          <legend className="mb-1 font-medium">Events</legend>
          {events.map((e) => (
            <label key={e} className="flex items-center gap-1.5">
              <input type="checkbox" name="events" value={e} defaultChecked={e.startsWith("run.")} />
              {e}
            </label>
          ))}
          <label className="flex items-center gap-1.5">
            <input type="checkbox" name="includeData" />
            include run inputs and output
          </label>
        </fieldset>
      </form>
      {secret ? <ShownOnce what="signing secret" secret={secret} testId="new-webhook-secret" /> : null}

      {endpoints.length === 0 ? (
        <Empty>No endpoints yet: add one to be told when runs finish or workflows are published.</Empty>
      ) : (
        <table className="w-full text-sm" data-testid="webhooks">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">URL</th>
              <th>Events</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr key={e.webhook_id} className={row}>
                <td className="py-2 pr-3 font-mono text-xs break-all">{e.url}</td>
                <td className="pr-3 text-xs">
                  {e.events.join(", ")}
                  {e.include_data ? " · with data" : ""}
                </td>
                <td className="pr-3 text-xs">
                  {e.disabled_at ? (
                    <span className="text-red-600 dark:text-red-400">
                      disabled {when(e.disabled_at)}: {e.disabled_reason}
                    </span>
                  ) : e.failing_since ? (
                    <span className="text-amber-700 dark:text-amber-400">enabled, failing since {when(e.failing_since)}</span>
                  ) : (
                    "enabled"
                  )}
                </td>
                <td className="space-x-2 whitespace-nowrap text-right">
                  {e.disabled_at ? (
                    <ActionButton variant="secondary" action={() => enableWebhookAction({ orgId, webhookId: e.webhook_id })} ok="Enabled">
                      Enable
                    </ActionButton>
                  ) : null}
                  <ActionButton
                    variant="danger"
                    action={() => deleteWebhookAction({ orgId, webhookId: e.webhook_id })}
                    confirm={`Delete the endpoint ${e.url}? Its delivery log goes with it.`}
                    ok="Deleted"
                  >
                    Delete
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div>
        <h2 className="mb-2 font-medium">Deliveries</h2>
        {deliveries.length === 0 ? (
          <Empty>No deliveries yet.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="webhook-deliveries">
              <thead className="text-left text-neutral-500">
                <tr>
                  <th className="py-2">When</th>
                  <th>Event</th>
                  <th>Endpoint</th>
                  <th>Status</th>
                  <th>HTTP</th>
                  <th>Latency</th>
                  <th>Response</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.delivery_id} className={row}>
                    <td className="whitespace-nowrap py-2 pr-3 text-xs">{when(d.last_attempt_at ?? d.created_at)}</td>
                    <td className="pr-3 font-mono text-xs">{d.event}</td>
                    <td className="pr-3 font-mono text-xs break-all">{urls.get(d.webhook_id) ?? d.webhook_id}</td>
                    <td className="pr-3 text-xs">
                      {d.status}
                      {d.attempts > 1 ? ` (${d.attempts} attempts)` : ""}
                      {d.next_attempt_at && d.status === "pending" ? `, next ${when(d.next_attempt_at)}` : ""}
                    </td>
                    <td className="pr-3 text-xs">{d.last_status ?? "—"}</td>
                    <td className="pr-3 text-xs">{d.last_latency_ms === null ? "—" : `${d.last_latency_ms} ms`}</td>
                    <td className="max-w-xs pr-3 font-mono text-xs break-all">{d.last_error ?? d.last_response ?? ""}</td>
                    <td className="text-right">
                      <ActionButton
                        variant="secondary"
                        action={() => redeliverWebhookAction({ orgId, deliveryId: d.delivery_id })}
                        ok="Queued again"
                      >
                        Redeliver
                      </ActionButton>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
