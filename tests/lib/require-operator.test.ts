import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { addOperator } from "@/lib/operator/operators";
import { operatorOr404 } from "@/lib/operator/require-operator";

// requireOperator() for /operator pages and their server actions is operatorOr404(the session's
// user): the operator, else Next's notFound() — the same 404 for the signed out, members and
// unverified addresses. (Given the user, not a mocked session: test files share modules here.)

const me = { user: null as null | { id: string; email: string; emailVerified: boolean } };
const requireOperator = () => operatorOr404(me.user);

afterEach(() => {
  delete process.env.FLOWGATE_OPERATOR_EMAILS;
  resetEnvForTests();
  me.user = null;
});

const notFound = { digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) };

describe("requireOperator", () => {
  it("404s for nobody signed in, a non-operator and an unverified operator address; returns the operator otherwise", async () => {
    await expect(requireOperator()).rejects.toMatchObject(notFound);
    const email = `${randomAlnum(10)}@example.com`;
    me.user = { id: "user_1", email, emailVerified: true };
    await expect(requireOperator()).rejects.toMatchObject(notFound);
    await addOperator({ email, addedBy: "cli" });
    expect(await requireOperator()).toEqual({ userId: "user_1", email, label: email });
    me.user = { id: "user_1", email, emailVerified: false };
    await expect(requireOperator()).rejects.toMatchObject(notFound);
    process.env.FLOWGATE_OPERATOR_EMAILS = "boss@example.com";
    resetEnvForTests();
    me.user = { id: "user_2", email: "Boss@Example.com", emailVerified: true };
    expect(await requireOperator()).toMatchObject({ userId: "user_2", label: "Boss@Example.com" });
  });
});
