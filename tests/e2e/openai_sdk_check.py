"""The OpenAI-compatible surface through the official `openai` Python package, against `next start`.

Run by tests/e2e/openai-sdk.test.ts with the server's URL and the seeded ids in the environment;
prints one JSON object of what the SDK returned and raised, which the test asserts on.
"""

import json
import os
import sys
import urllib.request

import openai
from openai import OpenAI

BASE = os.environ["FLOWGATE_URL"] + "/api/v1/openai"
KEY = os.environ["FLOWGATE_KEY"]
STORY = os.environ["STORY_ID"]  # offline echo: "Echo {{story}}"
VERSIONS = os.environ["VERSIONS_ID"]  # v1 / v2 "{{story}}", staging -> v1

client = OpenAI(base_url=BASE, api_key=KEY, max_retries=0)
out = {"sdk_version": openai.__version__}

# Chat completions: variables as extra_body; the stream with include_usage.
c = client.chat.completions.create(model=STORY, messages=[], extra_body={"variables": {"story": "a dog"}})
out["chat"] = {"id": c.id, "content": c.choices[0].message.content, "finish_reason": c.choices[0].finish_reason,
               "usage": c.usage.model_dump() if c.usage else None}
text, usage = "", None
for chunk in client.chat.completions.create(model=STORY, messages=[{"role": "user", "content": "a cat"}],
                                            stream=True, stream_options={"include_usage": True}):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
    if chunk.usage:
        usage = chunk.usage.model_dump()
out["chat_stream"] = {"text": text, "usage": usage}

# Pins: a version and a label, through both APIs.
say = lambda model: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}]).choices[0].message.content
out["pins"] = {"published": say(VERSIONS), "v1": say(VERSIONS + "@1"), "staging": say(VERSIONS + "@staging")}

# Responses with a prompt, as OpenAI's reusable prompts were called.
r = client.responses.create(prompt={"id": VERSIONS, "version": "1", "variables": {"story": "a fox"}})
out["responses"] = {"id": r.id, "status": r.status, "output_text": r.output_text, "usage": r.usage.model_dump()}
types, deltas = [], ""
for event in client.responses.create(prompt={"id": STORY, "variables": {"story": "an owl"}}, stream=True):
    types.append(event.type)
    if event.type == "response.output_text.delta":
        deltas += event.delta
out["responses_stream"] = {"types": types, "text": deltas}
# The stream helper insists on `model`; with a prompt it is ignored (the prompt names the workflow).
with client.responses.stream(model=VERSIONS, prompt={"id": VERSIONS, "version": "staging"}, input="a hen") as stream:
    for _ in stream:
        pass
    final = stream.get_final_response()
out["responses_helper"] = {"output_text": final.output_text, "status": final.status}

out["models"] = sorted(m.id for m in client.models.list().data)


def error_of(fn):
    try:
        fn()
        return None
    except openai.APIStatusError as e:
        return {"class": type(e).__name__, "status": e.status_code, "code": e.code, "param": e.param, "type": e.type}


chat = lambda cl, model, **kw: cl.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}], **kw)
out["errors"] = {
    "auth": error_of(lambda: chat(OpenAI(base_url=BASE, api_key="sk_live_wrong", max_retries=0), STORY)),
    "not_found": error_of(lambda: chat(client, "wf_doesnotexist")),
    "bad_request": error_of(lambda: client.chat.completions.create(model=STORY, messages=[], extra_body={"variables": {}})),
    "quota": error_of(lambda: chat(OpenAI(base_url=BASE, api_key=os.environ["POOR_KEY"]), os.environ["POOR_ID"])),
}
limited = OpenAI(base_url=BASE, api_key=os.environ["LIMITED_KEY"], max_retries=0)
out["errors"]["rate_limit"] = error_of(lambda: [chat(limited, STORY) for _ in range(2)])

# A single-use stream token as the api_key (what a browser would hold).
req = urllib.request.Request(os.environ["FLOWGATE_URL"] + "/api/v1/token?ttl=60&user=py", headers={"Authorization": "Bearer " + KEY})
token = json.load(urllib.request.urlopen(req))["token"]
tok = OpenAI(base_url=BASE, api_key=token, max_retries=0)
out["token"] = {"content": tok.chat.completions.create(model=STORY, messages=[], extra_body={"variables": {"story": "t"}}).choices[0].message.content,
                "reuse": error_of(lambda: chat(tok, STORY))}

json.dump(out, sys.stdout)
