from __future__ import annotations

from burro.models.usage import estimate_usage
from burro.protocol.items import FunctionCall, Message, Reasoning, TextPart, user_text
from burro.protocol.model import Prompt


def test_estimate_counts_prompt_and_output_tokens() -> None:
    prompt = Prompt(model="m", instructions="You are burro.", items=[user_text("hello " * 100)])
    reply = [
        Reasoning(content=["let me think " * 10]),
        Message(role="assistant", content=[TextPart(text="fine " * 50)]),
        FunctionCall(call_id="c", name="shell", arguments='{"command": "ls"}'),
    ]
    usage = estimate_usage(prompt, reply)
    assert 100 <= usage.input_tokens <= 140
    assert usage.reasoning_output_tokens >= 20
    assert usage.output_tokens >= 50 + usage.reasoning_output_tokens
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens


def test_special_token_text_in_a_prompt_is_counted_not_rejected() -> None:
    prompt = Prompt(model="m", instructions="", items=[user_text("<|endoftext|> in a file")])
    assert estimate_usage(prompt, []).input_tokens > 0


def test_a_session_estimator_gives_the_same_figures_counting_each_item_once() -> None:
    from burro.models.usage import UsageEstimator

    history = [user_text(f"message {i} " * 20) for i in range(5)]
    estimator = UsageEstimator()
    for n in range(1, 6):
        prompt = Prompt(model="m", instructions="You are burro.", items=history[:n])
        assert estimate_usage(prompt, [], estimator=estimator) == estimate_usage(prompt, [])
