"""Hypothesis profiles: few examples while developing, the full counts in CI.

HYPOTHESIS_PROFILE names one; without it, CI (which .ci/run and CI services set) picks "ci" and
anything else "dev". A property states its count as CI runs it, examples(150), and the profile
scales every count alike, so one setting governs them all."""

from __future__ import annotations

import os

from hypothesis import settings

CI_EXAMPLES = 100  # hypothesis's own default
settings.register_profile("ci", max_examples=CI_EXAMPLES)
# Development runs the same few examples each time, so a quick run that passed passes again.
settings.register_profile("dev", max_examples=10, derandomize=True)


def load_profile() -> str:
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    settings.load_profile(name)
    return name


def examples(ci: int) -> int:
    """ci examples under the ci profile; proportionally fewer, at least 3, under dev."""
    return max(3, round(ci * settings.default.max_examples / CI_EXAMPLES))
