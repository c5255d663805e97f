"""Accessibility checks in the browser: axe-core (shipped inside the axe-playwright-python
package, never downloaded) with the WCAG 2.0 A/AA, 2.1 AA and 2.2 AA rules, plus the checks axe
cannot make for a citizen on a phone: no horizontal scrolling, tap targets of at least 44 px,
a visible focus indicator on everything reachable with the keyboard."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.sync_playwright import Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
MIN_TAP = 44

_axe = Axe()


def axe_violations(page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (injected through the DevTools protocol, so it
    runs even where the page's own JavaScript is disabled or its CSP forbids inline scripts)."""
    return list(_axe.run(page, options=AXE_OPTIONS).response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's id, impact, help and the elements it found, for the failure message."""
    lines = []
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:8]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"      target {node['target']}: {summary[:300]}")
            lines.append(f"        {node['html'][:200]}")
    return "\n".join(lines)


# Interactive controls a person taps. Links inside running text are exempt (WCAG 2.5.8 "inline").
_TAP_TARGETS = """
() => {
  const out = [];
  const selector = 'button, .button, input:not([type=hidden]), select, textarea, summary, '
    + '.radio-item, .checkbox-item, .back-link, .site-nav a, .summary-action a, .result-list a, '
    + '.card a, .tabs a';
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('.radio-item, .checkbox-item') && !el.matches('.radio-item, .checkbox-item'))
      continue;  // the whole row (box and label) is the target
    if (el.matches('.skip-link, .visually-hidden') || el.closest('.visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.height < %(min)d - 0.5)
      out.push({html: el.outerHTML.slice(0, 160), height: Math.round(box.height)});
  }
  return out;
}
""".replace("%(min)d", str(MIN_TAP))

_FOCUS_STYLE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    html: el.outerHTML.slice(0, 160),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== 'none',
    background: style.backgroundColor,
  };
}
"""


@dataclass
class Audit:
    """Collects the problems of every page of a journey, so one run reports them all."""

    viewport: str
    shot: Any = None
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page, name: str, *, focus: bool = False) -> None:
        self.pages.append(name)
        if self.shot is not None:
            self.shot(page, f"a11y-{self.viewport}-{name}")
        violations = axe_violations(page)
        if violations:
            self.problems.append(f"{name} ({page.url}):\n{describe(violations)}")
        if self.viewport == "phone":
            self._phone(page, name)
        if focus:
            self.focus(page, name)

    def _phone(self, page, name: str) -> None:
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            self.problems.append(
                f"{name}: scrolls sideways on a phone (page {widths[0]} px wide, "
                f"screen {widths[1]} px)"
            )
        small = page.evaluate(_TAP_TARGETS)
        if small:
            listing = "\n".join(f"      {s['height']} px: {s['html']}" for s in small[:10])
            self.problems.append(f"{name}: tap targets under {MIN_TAP} px high:\n{listing}")

    def focus(self, page, name: str, presses: int = 40) -> None:
        """Tab through the page: every element that takes the focus shows it (an outline of at
        least 2 px, or a shadow)."""
        page.locator("body").focus()
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        seen = set()
        for _ in range(presses):
            page.keyboard.press("Tab")
            state = page.evaluate(_FOCUS_STYLE)
            if state is None or state["html"] in seen:
                break
            seen.add(state["html"])
            if not (state["outline"] or state["shadow"]):
                self.problems.append(f"{name}: no visible focus on {state['html']}")
        if not seen:
            self.problems.append(f"{name}: nothing took the keyboard focus")

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"accessibility problems on {len(self.problems)} of {len(self.pages)} checks "
            f"({self.viewport}):\n" + "\n".join(self.problems)
        )


def step_name(page) -> str:
    """The wizard step shown (its hidden `<draft>-current_step` input)."""
    return page.locator("input[name$='-current_step']").input_value()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_CONTRAST = """
(element) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  let background = null;
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    const value = rgb(getComputedStyle(node).backgroundColor);
    if (value.length === 3 || (value.length === 4 && value[3] === 1)) { background = value; break; }
  }
  background = background || [255, 255, 255];
  const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def contrast(page, selector: str) -> float:
    """The WCAG contrast ratio of the first element's text against its background."""
    return float(page.locator(selector).first.evaluate(_CONTRAST))
