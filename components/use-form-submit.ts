"use client";

import { useState, type FormEvent } from "react";

/** What a better-auth client call answers: an error with a message, or none. */
export type AuthResult = { error: { message?: string } | null };

/**
 * How the account forms submit: onSubmit (not `<form action>`, which resets the form: a refused
 * submit keeps what was typed), busy while it runs, and the error it ends with (or none).
 * `f` answers the error message or null; `submit` answers whether it succeeded.
 */
export function useFormSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>, f: (form: FormData) => Promise<string | null>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const message = await f(form);
    setBusy(false);
    setError(message);
    return message === null;
  }
  return { busy, error, submit };
}

/** The message of a better-auth call's error (or `fallback` when it has none); null when it succeeded. */
export const errorOf = (res: AuthResult, fallback = "Something went wrong") => (res.error ? (res.error.message ?? fallback) : null);
