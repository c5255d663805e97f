"""A web worker starts without the PDF libraries (issue 11, target 6: a gunicorn worker under
150 MB). pyHanko (about 20 MB a process with its certificate validator) and ReportLab (about
10 MB) are imported by the functions that sign, validate or render a PDF, on first use; a
worker serving the catalogue, the wizard or the queue never loads them. A top-level import
of either from a module the URLs, the admin or an app's ready() reach fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]

PDF_LIBRARIES = ("pyhanko", "pyhanko_certvalidator", "reportlab")

STARTUP = """
import json, sys
import django
django.setup()
from django.urls import get_resolver

def walk(patterns):
    for pattern in patterns:
        walk(getattr(pattern, "url_patterns", []))

walk(get_resolver().url_patterns)  # every urls module and the views they name
import dossiers.services, portal.celery  # the outbox handlers, the tasks
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps(loaded))
"""


def _loaded_at_startup() -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", STARTUP], cwd=REPO_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_web_process_starts_without_the_pdf_libraries():
    loaded = _loaded_at_startup()
    assert "django" in loaded  # the check did load the project
    assert "dossiers" in loaded
    assert not loaded & set(PDF_LIBRARIES), sorted(loaded & set(PDF_LIBRARIES))
