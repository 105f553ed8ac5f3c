"""The Temporal workflow of one attempt: run queued turns, one heartbeating activity each.

Workflow code is deterministic and imported inside Temporal's sandbox: it imports
nothing of burro's beyond this file. Follow-ups arrive as signals (signal-with-start, so
a finished attempt starts a new run for them); an attempt with nothing to do ends, so a
task waiting for a follow-up holds no worker slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityCancellationType

WORKFLOW_NAME = "BurroAttempt"
ACTIVITY_NAME = "run_turn"
SIGNAL_NAME = "follow_up"


@dataclass
class AttemptInput:
    attempt_id: str
    turn_key: str | None
    heartbeat_s: float


@dataclass
class TurnInput:
    attempt_id: str
    turn_key: str


@workflow.defn(name=WORKFLOW_NAME)
class AttemptWorkflow:
    def __init__(self) -> None:
        self._inbox: list[str] = []

    @workflow.signal(name=SIGNAL_NAME)
    def follow_up(self, turn_key: str) -> None:
        self._inbox.append(turn_key)

    @workflow.run
    async def run(self, inp: AttemptInput) -> str:
        if inp.turn_key is not None:
            self._inbox.insert(0, inp.turn_key)
        try:
            await workflow.wait_condition(lambda: bool(self._inbox), timeout=timedelta(seconds=60))
        except TimeoutError:
            return "idle"
        outcome = "idle"
        while self._inbox:
            key = self._inbox.pop(0)
            outcome = await workflow.execute_activity(
                ACTIVITY_NAME,
                TurnInput(attempt_id=inp.attempt_id, turn_key=key),
                result_type=str,
                start_to_close_timeout=timedelta(hours=24),
                heartbeat_timeout=timedelta(seconds=inp.heartbeat_s),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=1),
                    maximum_interval=timedelta(seconds=10),
                    maximum_attempts=20,
                    non_retryable_error_types=["TaskError"],
                ),
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome
