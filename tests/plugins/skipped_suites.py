"""pytest plugin: say at the end of the run which optional suites did not run, and why.

The integration suite needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL), the e2e suite
needs chromium (PORTAL_CHROMIUM or `chromium` on PATH). Both skip themselves with a reason
when their services are missing; this plugin gathers those reasons into a short
"Skipped suites" section of the terminal summary so that a green run on a laptop is not
mistaken for a full run.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

SUITES = {
    "integration": "needs PostgreSQL (DATABASE_URL=postgres://...) and Redis (REDIS_URL)",
    "e2e": "needs chromium (PORTAL_CHROMIUM or `chromium` on PATH)",
    "postgres": "needs PostgreSQL (DATABASE_URL=postgres://...)",
}


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr)
    return text.removeprefix("Skipped: ").strip()


def _suite(report: pytest.TestReport) -> str | None:
    for name in SUITES:
        if name in report.keywords:
            return name
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    other_skipped = 0
    seen: set[tuple[str, str]] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            # One outcome per test: the skip (setup or call) or the result of the call.
            if not (report.skipped or report.when == "call"):
                continue
            if (report.nodeid, report.outcome) in seen:
                continue
            seen.add((report.nodeid, report.outcome))
            suite = _suite(report)
            if suite is None:
                if report.skipped:
                    other_skipped += 1
                continue
            outcomes[suite][report.outcome] += 1
            if report.skipped:
                reasons[suite][_reason(report)] += 1

    terminalreporter.section("Skipped suites", sep="-")
    for suite, requirement in SUITES.items():
        counts = outcomes.get(suite, Counter())
        if not counts:
            terminalreporter.write_line(f"{suite}: no tests collected")
        elif counts["skipped"]:
            ran = sum(counts.values()) - counts["skipped"]
            found = [
                (text.removeprefix(f"{suite}: "), n) for text, n in reasons[suite].most_common()
            ]
            why = "; ".join(text if len(found) == 1 else f"{text} ({n})" for text, n in found)
            terminalreporter.write_line(
                f"{suite}: SKIPPED {counts['skipped']} test(s)"
                + (f", ran {ran}" if ran else "")
                + f" -- {why}"
            )
            terminalreporter.write_line(f"    ({requirement})")
        else:
            summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{suite}: ran ({summary})")
    if other_skipped:
        terminalreporter.write_line(f"other skipped tests: {other_skipped} (see the -ra summary)")
