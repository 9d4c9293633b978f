export default function Home() {
  return (
    <main className="mx-auto max-w-2xl p-10 space-y-4">
      <h1 className="text-3xl font-semibold">Flowgate</h1>
      <p>Publish a prompt template, call it by id over REST, stream it to browsers.</p>
      <pre className="rounded bg-neutral-100 p-4 text-sm dark:bg-neutral-900">{`curl -X POST /api/v1/run/<workflow_id> \\
  -H 'Authorization: Bearer sk_…' \\
  -H 'Content-Type: application/json' \\
  -d '{"story": "a dog named charlie"}'`}</pre>
      <p className="space-x-4">
        <a className="underline" href="/sign-up">
          Create an account
        </a>
        <a className="underline" href="/sign-in">
          Sign in
        </a>
      </p>
      <p className="text-sm text-neutral-500">
        Health:{" "}
        <a className="underline" href="/api/health">
          /api/health
        </a>
      </p>
    </main>
  );
}
