"""A client tool round trip through the official `openai` Python package, against `next start`.

Run by tests/e2e/tools.test.ts with the server's URL, a key and the id of a workflow whose model
calls get_weather (the upstream stand-in is scripted to); prints one JSON object of what the SDK
returned, which the test asserts on. Chat completions and responses, streamed and not: the first
request answers the tool call, the second (the call and its result sent back) the final text.
"""

import json
import os
import sys

from openai import OpenAI

client = OpenAI(base_url=os.environ["FLOWGATE_URL"] + "/api/v1/openai", api_key=os.environ["FLOWGATE_KEY"], max_retries=0, timeout=20)
MODEL = os.environ["TOOLS_ID"]
out = {}

# Chat completions, not streamed.
messages = [{"role": "user", "content": "Weather in Paris?"}]
first = client.chat.completions.create(model=MODEL, messages=messages)
msg = first.choices[0].message
call = msg.tool_calls[0]
messages += [msg.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"}]
second = client.chat.completions.create(model=MODEL, messages=messages)
out["chat"] = {
    "finish_reason": first.choices[0].finish_reason,
    "content": msg.content,
    "call": {"name": call.function.name, "arguments": json.loads(call.function.arguments)},
    "answer": second.choices[0].message.content,
    "answer_finish_reason": second.choices[0].finish_reason,
}

print("step: Chat completions, streamed", file=sys.stderr)
# Chat completions, streamed: the tool call rebuilt from its deltas by index, as the docs show.
calls, finish = {}, None
for chunk in client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Weather in Oslo?"}], stream=True):
    if not chunk.choices:
        continue
    choice = chunk.choices[0]
    for d in choice.delta.tool_calls or []:
        c = calls.setdefault(d.index, {"id": "", "name": "", "arguments": ""})
        c["id"] += d.id or ""
        c["name"] += (d.function.name or "") if d.function else ""
        c["arguments"] += (d.function.arguments or "") if d.function else ""
    finish = choice.finish_reason or finish
c = calls[0]
text = ""
for chunk in client.chat.completions.create(
    model=MODEL,
    stream=True,
    messages=[
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "tool_calls": [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}]},
        {"role": "tool", "tool_call_id": c["id"], "content": "snow, -3C"},
    ],
):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
out["chat_stream"] = {"finish_reason": finish, "calls": len(calls), "name": c["name"], "arguments": json.loads(c["arguments"]), "answer": text}

print("step: Responses, not streamed", file=sys.stderr)
# Responses, not streamed: function_call items, continued with function_call_output.
r = client.responses.create(prompt={"id": MODEL}, input="Weather in Rome?")
fc = [o for o in r.output if o.type == "function_call"][0]
r2 = client.responses.create(
    prompt={"id": MODEL},
    input=[{"role": "user", "content": "Weather in Rome?"}, fc.model_dump(exclude_none=True), {"type": "function_call_output", "call_id": fc.call_id, "output": "warm, 28C"}],
)
out["responses"] = {"types": [o.type for o in r.output], "name": fc.name, "arguments": json.loads(fc.arguments), "answer": r2.output_text}

print("step: Responses, streamed", file=sys.stderr)
# Responses, streamed: the events as the SDK reads them, and its final response.
events = []
with client.responses.stream(model=MODEL, prompt={"id": MODEL}, input="Weather in Lima?") as s:
    for e in s:
        events.append(e.type)
    final = s.get_final_response()
fc = [o for o in final.output if o.type == "function_call"][0]
with client.responses.stream(  # its helper insists on a model: the workflow id (ignored beside the prompt)
    model=MODEL,
    prompt={"id": MODEL},
    input=[{"role": "user", "content": "Weather in Lima?"}, fc.model_dump(exclude_none=True), {"type": "function_call_output", "call_id": fc.call_id, "output": "mild, 18C"}],
) as s:
    answer = s.get_final_response().output_text
out["responses_stream"] = {"events": events, "name": fc.name, "arguments": json.loads(fc.arguments), "answer": answer}

print(json.dumps(out))
