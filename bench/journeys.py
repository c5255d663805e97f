"""How long a citizen's journey takes on a phone, estimated from what she has to do on each page.

    uv run python bench/journeys.py [--markdown] [--json FILE]

Runs tests/e2e/test_journey_measure.py (Debian's chromium on a 390 x 844 phone, the live
server, the mock national SSO and data services) and prints, for three e-forms (birth
registration, marriage registration, permanent residence registration), from the click on
"sign in with the national identity account" to the confirmation with the dossier code:
the pages shown, the questions shown, those given (prefilled or defaulted), those typed, those
only chosen (a tap on a radio or a box, or a choice from a list), the uploads, and the
estimated human time of `MODEL` (docs/accessibility.md, "Estimated time of a journey").
Set DATABASE_URL / REDIS_URL / PORTAL_CHROMIUM as for the e2e tests.

The walk itself (`walk`) counts what it sees, generically: a page is every document the
browser shows (a navigation of the main frame), whatever its address; a question is a control
of the page's form (a date's day, month and year boxes are one question); it is given when it
already has a value before the person acts. The scripted answers fill only what is not given.
No wall-clock time is measured: the estimate comes from the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# --- the per-field time model (seconds; sources and assumptions in docs/accessibility.md) -------


@dataclass(frozen=True)
class Model:
    read_page: float = 4.0  # orient on a new page: heading, step number (assumption)
    read_question: float = 1.35  # read a question and check its answer (KLM "M")
    scan_answer: float = 0.5  # glance at one answer on check your answers (assumption)
    tap: float = 1.1  # point at and tap a control: a box, a radio, a button (KLM "P")
    per_character: float = 0.4  # type one character on a phone keyboard (36 wpm + diacritics)
    choose_from_list: float = 5.0  # open a list, find the entry, tap it (assumption)
    upload: float = 12.0  # open the file picker, find the photo or PDF, confirm (assumption)


MODEL = Model()

# --- what a walk records --------------------------------------------------------------------


@dataclass
class Page:
    number: int
    name: str
    path: str
    kind: str  # sso, step, review, confirmation
    questions: int = 0
    given: int = 0
    typed: int = 0
    boxes: int = 0  # text boxes typed into (a date is up to 3)
    characters: int = 0
    taps: int = 0  # radios and boxes ticked (not the page's button)
    chosen: int = 0  # choices from a list
    uploads: int = 0
    answers_scanned: int = 0  # rows of check your answers
    buttons: int = 0  # Continue, Submit, the SSO's person

    def seconds(self, model: Model = MODEL) -> float:
        return (
            model.read_page
            + model.read_question * self.questions
            + model.scan_answer * self.answers_scanned
            + model.tap * (self.boxes + self.taps + self.buttons)
            + model.per_character * self.characters
            + model.choose_from_list * self.chosen
            + model.upload * self.uploads
        )


@dataclass
class Journey:
    procedure: str
    form_key: str
    pages: list[Page] = field(default_factory=list)
    code: str = ""
    navigations: list[str] = field(default_factory=list)  # every document the browser showed

    def total(self, attribute: str) -> int:
        return sum(getattr(page, attribute) for page in self.pages)

    @property
    def form_pages(self) -> int:
        """The e-form's pages: its steps and check your answers (not the SSO, not the
        confirmation), the count docs/eforms.md states."""
        return sum(page.kind in ("step", "review") for page in self.pages)

    def seconds(self, model: Model = MODEL) -> float:
        return sum(page.seconds(model) for page in self.pages)

    def summary(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "form_key": self.form_key,
            "pages": len(self.pages),
            "form_pages": self.form_pages,
            "questions": self.total("questions"),
            "given": self.total("given"),
            "typed": self.total("typed"),
            "characters": self.total("characters"),
            "taps": self.total("taps"),
            "chosen": self.total("chosen"),
            "uploads": self.total("uploads"),
            "seconds": round(self.seconds(), 1),
            "page_names": [page.name for page in self.pages],
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "per_page": [asdict(page) for page in self.pages]}


# --- the walk ---------------------------------------------------------------------------------

# Every control of the page's main form, as the person sees it before acting.
_CONTROLS = """
() => {
  const form = document.querySelector('main form[method=post]');
  if (!form) return [];
  const out = [];
  for (const el of form.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset'].includes(el.type)) continue;
    if (el.closest('[hidden]')) continue;
    out.push({
      name: el.name, tag: el.tagName.toLowerCase(), type: el.type, value: el.value,
      checked: el.checked, required: el.required,
      stored: !!(el.closest('.form-group') && el.closest('.form-group').querySelector('.stored-file')),
    });
  }
  return out;
}
"""
_DATE_BOX = re.compile(r"_(day|month|year)$")
_TEXT_TYPES = {"text", "email", "tel", "number", "search", "url", "textarea", "date"}


@dataclass
class Question:
    name: str
    kind: str  # text, date, radio, checkbox, select, file
    given: bool
    required: bool


def questions(controls: list[dict[str, Any]]) -> list[Question]:
    """The page's questions: radios grouped by name, a date's three boxes as one."""
    found: dict[str, Question] = {}
    for control in controls:
        name, kind = control["name"], control["type"]
        if control["tag"] == "select":
            kind = "select"
        elif control["tag"] == "textarea":
            kind = "text"
        elif kind in _TEXT_TYPES and _DATE_BOX.search(name):
            name, kind = _DATE_BOX.sub("", name), "date"
        elif kind == "date":
            kind = "date"
        elif kind in _TEXT_TYPES:
            kind = "text"
        elif kind not in ("radio", "checkbox", "file"):
            continue
        if kind == "checkbox" and name in found:  # a multichoice: one question
            found[name].given = found[name].given or control["checked"]
            continue
        given = {
            "radio": control["checked"],
            "checkbox": control["checked"],
            "file": control["stored"],
        }.get(kind, str(control["value"]).strip() != "")
        if name in found:
            found[name].given = found[name].given or given
            found[name].required = found[name].required or control["required"]
        else:
            found[name] = Question(name, kind, given, control["required"])
    return list(found.values())


def _answer(page, question: Question, value: Any, record: Page, upload: Path) -> None:
    """Give one answer the way a person would, and count what it took."""
    control = page.locator(f"[name='{question.name}']")
    if question.kind == "date":
        year, month, day = str(value).split("-")
        if page.locator(f"[name='{question.name}_day']").count():
            parts = {"day": str(int(day)), "month": str(int(month)), "year": year}
            for box, text in parts.items():
                page.locator(f"[name='{question.name}_{box}']").fill(text)
                record.boxes += 1
                record.characters += len(text)
        else:  # a native date input (before issue 16): typed as ddmmyyyy
            control.first.fill(str(value))
            record.boxes += 1
            record.characters += 8
        record.typed += 1
    elif question.kind == "text":
        control.first.fill(str(value))
        record.typed += 1
        record.boxes += 1
        record.characters += len(str(value))
    elif question.kind == "select":
        control.first.select_option(str(value))
        record.chosen += 1
    elif question.kind == "radio":
        page.locator(f"[name='{question.name}'][value='{value}']").check()
        record.taps += 1
    elif question.kind == "checkbox":
        for item in value if isinstance(value, list) else [None]:
            box = control.first if item is None else control.and_(page.locator(f"[value='{item}']"))
            box.check()
            record.taps += 1
    elif question.kind == "file":
        control.first.set_input_files(str(upload))
        record.uploads += 1


def page_kind(page) -> str:
    if page.locator(".dossier-code").count():
        return "confirmation"
    if page.locator("main form[method=post]").count():
        button = page.locator("main form button[type=submit]:not([name])").last
        text = button.inner_text() if button.count() else ""
        return "review" if re.search("nộp|submit", text, re.I) else "step"
    return "sso"


def page_name(page, kind: str) -> str:
    step = page.locator("input[name$='-current_step']")
    if kind in ("step", "review") and step.count():
        return step.input_value()
    return kind


def walk(
    page,
    base: str,
    procedure: str,
    form_key: str,
    person: str,
    answers: dict[str, Any],
    upload: Path,
    on_page: Callable[[Any, Page], None] | None = None,
    limit: int = 30,
) -> Journey:
    """From the procedure page: the sign-in click, the SSO's person, every page of the form
    answered from `answers` (`<step>-<field>`: value; a date ISO, a radio or a list its value,
    a box True, a file "FILE"), check your answers agreed, until the confirmation.
    `on_page(page, record)` sees each page before the person acts (screenshots, axe)."""
    from tests.e2e.journeys import sso_sign_in

    journey = Journey(procedure, form_key)
    page.goto(f"{base}/procedures/{procedure}/")
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()
    shown: list[str] = []

    def navigated(frame) -> None:
        if frame == page.main_frame:
            shown.append(frame.url)

    page.on("framenavigated", navigated)
    try:
        sso_sign_in(page, person)  # the sign-in click, then the person on the SSO's page
        page.wait_for_load_state()
        # the SSO's page: two taps, the sign-in link and the person (the redirects through the
        # portal's callback are no page anyone reads)
        sso = Page(1, "sso", "", "sso", buttons=2)
        journey.pages.append(sso)
        for number in range(2, limit + 2):
            page.wait_for_load_state()
            kind = page_kind(page)
            record = Page(number, page_name(page, kind), page.url.removeprefix(base), kind)
            journey.pages.append(record)
            if on_page is not None:
                on_page(page, record)
            if kind == "confirmation":
                journey.code = page.locator(".dossier-code").inner_text().strip()
                break
            asked = questions(page.evaluate(_CONTROLS))
            record.questions = len(asked)
            record.given = sum(question.given for question in asked)
            if kind == "review":
                record.answers_scanned = page.locator("main dt").count()
            for question in asked:
                value = answers.get(question.name)
                if question.kind == "file" and value is None:
                    value = "FILE"  # every document asked (False in `answers`: not this one)
                if question.given or value is None or value is False:
                    continue
                _answer(page, question, value, record, upload)
            page.locator("main form button[type=submit]:not([name])").last.click()
            record.buttons += 1
            page.wait_for_load_state()
            if page.locator(".error-summary").count():
                errors = page.locator(".error-summary").inner_text()
                raise AssertionError(f"{record.name} ({record.path}) refused: {errors}")
        else:
            raise AssertionError(f"no confirmation after {[p.name for p in journey.pages]}")
    finally:
        page.remove_listener("framenavigated", navigated)
    journey.navigations = shown
    return journey


# --- the command ------------------------------------------------------------------------------

COLUMNS = [
    ("pages", "pages"),
    ("form_pages", "form pages"),
    ("questions", "questions"),
    ("given", "given"),
    ("typed", "typed"),
    ("characters", "characters"),
    ("taps", "taps"),
    ("chosen", "lists"),
    ("uploads", "uploads"),
    ("seconds", "est. s"),
]


def table(rows: list[dict[str, Any]], markdown: bool) -> str:
    header = ["procedure", *[title for _, title in COLUMNS]]
    body = [[row["form_key"], *[str(row[key]) for key, _ in COLUMNS]] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(COLUMNS) + "|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]
    lines = []
    for cells in [header, *body]:
        padded = [cells[0].ljust(widths[0])]
        padded += [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        lines.append("  ".join(padded))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json", help="also write the per-page figures to this file")
    args = parser.parse_args()
    report = Path(args.json) if args.json else Path(tempfile.mkdtemp()) / "journeys.json"
    report.unlink(missing_ok=True)
    env = {**os.environ, "PORTAL_JOURNEY_REPORT": str(report.resolve())}
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
        "tests/e2e/test_journey_measure.py",
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if run.returncode != 0 or not report.exists():
        print("the journeys did not complete (see the pytest output above)", file=sys.stderr)
        return 1
    journeys = json.loads(report.read_text("utf-8"))
    print(table(journeys, args.markdown))
    print(f"\nmodel (s): {asdict(MODEL)}")
    for journey in journeys:
        print(f"\n{journey['form_key']}: " + " > ".join(journey["page_names"]))
        if args.markdown:
            print(
                "\n| # | page | questions | given | typed | chars | taps | lists | uploads | est. s |"
            )
            print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for p in journey["per_page"]:
                seconds = Page(**p).seconds()
                print(
                    f"| {p['number']} | {p['name']} | {p['questions']} | {p['given']} | "
                    f"{p['typed']} | {p['characters']} | {p['taps']} | {p['chosen']} | "
                    f"{p['uploads']} | {seconds:.1f} |"
                )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
