"use client";

import { useState } from "react";
import { unsubscribeAction } from "./actions";
import { Button } from "@/components/ui";

export function UnsubscribeButton({ token }: { token: string }) {
  const [done, setDone] = useState(false);
  if (done)
    return (
      <p role="status" className="text-sm">
        Done: these notices are stopped.
      </p>
    );
  return <Button onClick={async () => setDone((await unsubscribeAction(token)).ok)}>Stop these notices</Button>;
}
