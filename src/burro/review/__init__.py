"""Code review for people and tools: ``run_review`` (a session running the core's
``Review`` op) and Markdown/JSON/SARIF renderings. The types live in
``burro.protocol.review`` and the parsing in the core; both are re-exported here."""

from burro.core.api import (
    ReviewFailed,
    ReviewParseError,
    ReviewTargetError,
    added_lines,
    confine,
    describe,
    parse_diff,
    parse_review,
    review_guidelines,
)
from burro.protocol.review import (
    BaseBranch,
    Commit,
    Custom,
    DiffScope,
    Finding,
    Range,
    ReviewOutput,
    ReviewTarget,
    Uncommitted,
    Verdict,
    parse_priority,
)
from burro.review.render import to_json, to_markdown, to_sarif
from burro.review.run import ReviewRun, run_review

__all__ = [
    "BaseBranch",
    "Commit",
    "Custom",
    "DiffScope",
    "Finding",
    "Range",
    "ReviewFailed",
    "ReviewOutput",
    "ReviewParseError",
    "ReviewRun",
    "ReviewTarget",
    "ReviewTargetError",
    "Uncommitted",
    "Verdict",
    "added_lines",
    "confine",
    "describe",
    "parse_diff",
    "parse_priority",
    "parse_review",
    "review_guidelines",
    "run_review",
    "to_json",
    "to_markdown",
    "to_sarif",
]
