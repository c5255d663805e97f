"""One way to change a dossier: only `dossiers/transitions.py` assigns a dossier's state fields
(business status, payment, delivery, national sync) or writes a timeline entry.

The check reads the source (AST), so it also fails on a path no test exercises. The demo
history generator inserts finished historic dossiers in bulk (rows, not changes) and is the
one named exception.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dossiers.transitions import STATE_FIELDS

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "portal",
    "agencies",
    "procedures",
    "dossiers",
    "prefill",
    "feedback",
    "interop",
    "payments",
    "dashboards",
    "national_mocks",
]
THE_ONE_MODULE = ROOT / "dossiers" / "transitions.py"
EXCEPTIONS = {
    # inserts two years of finished synthetic dossiers in bulk for the dashboards demo
    ROOT / "dashboards" / "management" / "commands" / "seed_dashboard_demo.py",
}
#: `x.status = ...` is a dossier's when x names one (complaints and deliveries have their own)
DOSSIER_NAME = re.compile(r"dossier|bundle|part|child|parent", re.IGNORECASE)
CREATING = {"create", "bulk_create", "get_or_create", "update_or_create"}


def _is_dossier_state(attr: ast.Attribute) -> bool:
    if attr.attr == "status":
        return bool(DOSSIER_NAME.search(ast.unparse(attr.value)))
    return attr.attr in STATE_FIELDS


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        out: list[ast.expr] = []
        for target in node.targets:
            out.extend(target.elts if isinstance(target, ast.Tuple | ast.List) else [target])
        return out
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def violations(source: str) -> list[str]:
    """Each line of `source` that changes a dossier's state or timeline outside the module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and _is_dossier_state(target):
                found.append(f"{node.lineno}: assigns {ast.unparse(target)}")
        if not isinstance(node, ast.Call):
            continue
        func = ast.unparse(node.func)
        if re.search(r"\bDossierEvent\b", func) and (
            func == "DossierEvent" or func.rsplit(".", 1)[-1] in CREATING
        ):
            found.append(f"{node.lineno}: writes a timeline entry ({func})")
        if re.search(r"\.events\.(create|bulk_create|get_or_create|update_or_create)$", func):
            found.append(f"{node.lineno}: writes a timeline entry ({func})")
        if re.search(r"\bDossier\.objects\.(create|bulk_create|get_or_create)$", func):
            found.append(f"{node.lineno}: inserts a dossier ({func}); use transitions.create")
        if func.endswith(".update") and DOSSIER_NAME.search(func):
            keys = {k.arg for k in node.keywords} & (STATE_FIELDS | {"status"})
            if keys:
                found.append(f"{node.lineno}: updates {sorted(keys)} in bulk ({func})")
        if func == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in STATE_FIELDS:
                found.append(f"{node.lineno}: setattr {name.value}")
    return found


def _modules() -> list[Path]:
    paths = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path == THE_ONE_MODULE or path in EXCEPTIONS:
                continue
            paths.append(path)
    return paths


def test_only_transitions_changes_a_dossier():
    report = []
    for path in _modules():
        for line in violations(path.read_text(encoding="utf-8")):
            report.append(f"{path.relative_to(ROOT)}:{line}")
    assert not report, "change these through dossiers.transitions:\n" + "\n".join(report)


@pytest.mark.parametrize(
    "snippet",
    [
        "dossier.status = Status.RECEIVED",
        "bundle.payment_status = 'paid'",
        "obj.delivery_status, x = 'ready', 1",
        "d.sync_status = 'synced'",
        "DossierEvent.objects.create(dossier=d, action='x')",
        "DossierEvent(dossier=d).save()",
        "dossier.events.create(action='x')",
        "Dossier.objects.create(code='x')",
        "Dossier.objects.filter(pk=1).update(status=4)",
        "parts.update(payment_status='paid')",
        "setattr(dossier, 'delivery_status', 'ready')",
    ],
)
def test_the_check_catches_a_change_outside(snippet):
    assert violations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "complaint.status = ComplaintStatus.ROUTED",
        "item.status = DeliveryState.PENDING",
        "payment.state = 'paid'",
        "Dossier.objects.filter(status=4).count()",
        "OutboxMessage.objects.filter(pk=1).update(status='pending')",
    ],
)
def test_the_check_leaves_other_machines_alone(snippet):
    assert not violations(snippet), snippet
