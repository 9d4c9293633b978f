/** What a run cleared by its org's retention says, in GET /runs/{id} (`redaction`) and on its dashboard page. */
export function redactionNote(days: number | null): string {
  if (days === 0) return "Inputs and output removed after the run ended (retention: metering only)";
  if (days === null) return "Inputs and output removed (retention)";
  return `Inputs and output removed after ${days} day${days === 1 ? "" : "s"} (retention)`;
}
