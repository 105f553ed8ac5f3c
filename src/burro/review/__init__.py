"""Code review: typed findings and verdict, the reviewer's answer parsed tolerantly,
findings confined to the change, and Markdown/JSON/SARIF renderings. The review itself
runs as a child session through ``burro.core.api``."""

from burro.review.diffscope import DiffScope, confine, parse_diff
from burro.review.findings import Finding, ReviewOutput, Verdict, parse_priority
from burro.review.parse import ReviewParseError, parse_review
from burro.review.render import to_json, to_markdown, to_sarif
from burro.review.run import ReviewFailed, ReviewRun, run_review
from burro.review.targets import (
    BaseBranch,
    Commit,
    Range,
    ReviewTarget,
    ReviewTargetError,
    Uncommitted,
    describe,
)

__all__ = [
    "BaseBranch",
    "Commit",
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
    "confine",
    "describe",
    "parse_diff",
    "parse_priority",
    "parse_review",
    "run_review",
    "to_json",
    "to_markdown",
    "to_sarif",
]
