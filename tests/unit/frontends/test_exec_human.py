"""burro exec's human progress: a long answer shows that text is arriving, and usage a
server did not report is shown as an estimate."""

from __future__ import annotations

import io

from burro.frontends.exec.human import HumanRenderer
from burro.protocol import events as ev
from burro.protocol.common import TokenUsage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_streaming_text_shows_progress_without_a_terminal() -> None:
    out, clock = io.StringIO(), Clock()
    r = HumanRenderer(out, color=False, live=False, clock=clock)
    for _ in range(60):  # a minute of deltas, one per second
        r.render(ev.AgentMessageDelta(turn_id="t", item_id="i", delta="x" * 400))
        clock.now += 1.0
    progress = [line for line in out.getvalue().splitlines() if line.startswith("… receiving")]
    assert 3 <= len(progress) <= 5  # one line every 15 s, not one per delta
    assert "tokens" in progress[-1] and progress[-1].endswith("s")


def test_progress_line_is_rewritten_in_place_on_a_terminal() -> None:
    out, clock = io.StringIO(), Clock()
    r = HumanRenderer(out, color=False, live=True, clock=clock)
    for _ in range(5):
        r.render(ev.AgentMessageDelta(turn_id="t", item_id="i", delta="abcd" * 100))
        clock.now += 2.0
    r.render(ev.AgentMessage(turn_id="t", item_id="i", text="done"))
    text = out.getvalue()
    assert "\r\x1b[K… receiving" in text
    assert text.endswith("\r\x1b[Kburro\ndone\n")  # the progress line is cleared first


def test_unreported_usage_is_labelled_an_estimate() -> None:
    out = io.StringIO()
    r = HumanRenderer(out, color=False, live=False)
    usage = TokenUsage(input_tokens=120, output_tokens=30)
    r.render(
        ev.TokenCount(
            turn_id="t", last=usage, turn_total=usage, session_total=usage, estimated=True
        )
    )
    r.render(ev.TurnComplete(turn_id="t", usage=usage))
    assert "tokens used: ~150 (estimated: the server reported no usage" in out.getvalue()
