import { UnsubscribeButton } from "./unsubscribe-button";
import { describeUnsubscribe } from "@/lib/notices/opt-out";

export const dynamic = "force-dynamic";

// A button rather than unsubscribing on GET: mail scanners open links, people press buttons.
export default async function UnsubscribePage({ searchParams }: { searchParams: Promise<{ t?: string }> }) {
  const { t } = await searchParams;
  const what = t ? await describeUnsubscribe(t) : null;
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Stop notices</h1>
      {what ? (
        <>
          <p className="text-sm">
            Stop {what.topic} notices for <strong>{what.orgName}</strong>? Security mail about your own account is always sent.
          </p>
          <UnsubscribeButton token={t!} />
        </>
      ) : (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          This link is not valid.
        </p>
      )}
    </main>
  );
}
