"""The official Python SDK's AnthropicFoundry client, unmodified, against a gateway.

Run by python-sdk.test.ts: python3 python_sdk_scenario.py BASE_URL API_KEY MODEL MODE
It prints one JSON object with what each call returned; the test asserts on it.
"""

import json
import sys

from anthropic import AnthropicFoundry

base_url, api_key, model, mode = sys.argv[1:5]
client = AnthropicFoundry(base_url=base_url, api_key=api_key, max_retries=0)
out = {"version": __import__("anthropic").__version__}

created = client.messages.create(model=model, max_tokens=200, messages=[{"role": "user", "content": "Hello from Python"}])
out["create"] = {"text": created.content[0].text, "stop_reason": created.stop_reason, "request_id": created._request_id, "input_tokens": created.usage.input_tokens}

deltas = []
with client.messages.stream(model=model, max_tokens=200, messages=[{"role": "user", "content": "Stream from Python"}]) as stream:
    for text in stream.text_stream:
        deltas.append(text)
    final = stream.get_final_message()
out["stream"] = {"deltas": len(deltas), "text": "".join(deltas), "final_text": final.content[0].text, "stop_reason": final.stop_reason}

weather = {
    "name": "get_weather",
    "description": "Get the current weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
question = {"role": "user", "content": "What is the weather in Paris? Use get_weather."}
first = client.messages.create(model=model, max_tokens=400, tools=[weather], messages=[question])
use = next(block for block in first.content if block.type == "tool_use")
second = client.messages.create(
    model=model,
    max_tokens=400,
    tools=[weather],
    messages=[
        question,
        {"role": "assistant", "content": first.to_dict()["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "18 degrees and sunny in " + str(use.input.get("city"))}]},
    ],
)
out["tools"] = {"first_stop": first.stop_reason, "tool": use.name, "input": use.input, "second_stop": second.stop_reason, "answer": second.content[-1].text}

if mode == "simulator":
    counted = client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "Hello from Python"}])
    out["count_tokens"] = counted.input_tokens

print(json.dumps(out))
