"""The agent: session actor, turn loop, context, rollout. Front ends use ``core.api``."""
