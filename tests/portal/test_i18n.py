"""The Vietnamese catalogue: complete, faithful to placeholders, compiled, and actually used.

Vietnamese is the default language of the portal; every string in code and templates is an
English msgid. A missing, fuzzy or stale translation shows English to Vietnamese citizens,
and a lost ``%(name)s`` makes the page crash, so the catalogue is checked like code.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"
VI_MO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"

PLACEHOLDER = re.compile(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?[sdif]")
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        """msgstr, or msgstr[0], msgstr[1], ... for a plural entry."""
        return [value for key, value in sorted(self.fields.items()) if key.startswith("msgstr")]

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and "msgctxt" not in self.fields


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"'), text
    assert text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """A small .po reader: comments, flags, multi-line strings, plurals (no polib needed)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, key = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert key is not None, f"{path}:{number}: continuation line without a keyword"
            entry.fields[key] += _unquote(line)
            continue
        match = _KEYWORD.match(line)
        assert match, f"{path}:{number}: cannot read {raw!r}"
        key = match.group(1)
        entry.fields[key] = _unquote(match.group(2))
    return entries


def _messages(path: Path) -> list[Entry]:
    return [e for e in read_po(path) if not e.is_header and not e.obsolete and "msgid" in e.fields]


def _header(path: Path) -> str:
    return next(e for e in read_po(path) if e.is_header).fields["msgstr"]


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


# --- The catalogue files ---------------------------------------------------------------------


def test_catalogue_files_exist():
    assert VI_PO.is_file()
    assert VI_MO.is_file(), "run: uv run python manage.py compilemessages --ignore=.venv"
    assert EN_PO.is_file()


def test_vi_header_declares_language_plural_and_charset():
    header = _header(VI_PO)
    assert "Language: vi\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "charset=UTF-8" in header
    assert not any(e.is_header and "fuzzy" in e.flags for e in read_po(VI_PO))


def test_vi_catalogue_is_not_trivially_small():
    assert len(_messages(VI_PO)) > 200


def test_every_vi_entry_is_translated_and_not_fuzzy():
    untranslated = [
        _where(e)
        for e in _messages(VI_PO)
        if not e.msgstrs or not all(s.strip() for s in e.msgstrs)
    ]
    fuzzy = [_where(e) for e in _messages(VI_PO) if "fuzzy" in e.flags]
    assert not untranslated, "untranslated: " + "; ".join(untranslated)
    assert not fuzzy, "fuzzy: " + "; ".join(fuzzy)


def test_vi_plural_entries_have_exactly_one_form():
    plurals = [e for e in _messages(VI_PO) if "msgid_plural" in e.fields]
    assert plurals
    for entry in plurals:
        assert list(k for k in entry.fields if k.startswith("msgstr")) == ["msgstr[0]"], _where(
            entry
        )


def test_no_vi_entry_is_left_in_english():
    """A msgstr copied from the msgid is a translation that was never made."""
    allowed = re.compile(r"^[\W\d_]*(%\(\w+\)[sdif][\W\d_]*)*$|SHA-256|API|PDF|VNeID")
    same = [
        _where(e)
        for e in _messages(VI_PO)
        if e.msgstrs and e.msgstrs[0] == e.msgid and not allowed.search(e.msgid)
    ]
    assert not same, "msgstr equals msgid: " + "; ".join(same)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
def test_msgfmt_reports_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(VI_PO)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert "translated message" in statistics, statistics
    assert "untranslated" not in statistics, statistics
    assert "fuzzy" not in statistics, statistics


# --- Placeholders and markup ----------------------------------------------------------------


def test_vi_placeholders_are_preserved():
    broken = []
    for entry in _messages(VI_PO):
        sources = [entry.msgid] + (
            [entry.fields["msgid_plural"]] if "msgid_plural" in entry.fields else []
        )
        expected = sorted(PLACEHOLDER.findall(sources[-1]))
        # The singular and the plural msgid may differ only by the counter.
        for msgstr in entry.msgstrs:
            if sorted(PLACEHOLDER.findall(msgstr)) != expected:
                broken.append(f"{_where(entry)} -> {msgstr!r}")
    assert not broken, "placeholders differ: " + "; ".join(broken)


def test_vi_python_format_entries_can_be_formatted():
    """Every python-format msgstr accepts the msgid's names (no stray or broken % sign)."""
    for entry in _messages(VI_PO):
        if "python-format" not in entry.flags:
            continue
        sources = entry.msgid + entry.fields.get("msgid_plural", "")
        names = {name: 1 for name in PLACEHOLDER.findall(sources)}
        for msgstr in entry.msgstrs:
            msgstr % names  # raises on a broken placeholder


def test_vi_msgstrs_add_no_markup():
    added = [
        _where(e)
        for e in _messages(VI_PO)
        for msgstr in e.msgstrs
        if re.search(r"<[a-zA-Z/]", msgstr) and not re.search(r"<[a-zA-Z/]", e.msgid)
    ]
    assert not added, "HTML in msgstr: " + "; ".join(added)


# --- The compiled catalogue -----------------------------------------------------------------


def test_vi_mo_is_up_to_date_with_the_po():
    with VI_MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in _messages(VI_PO):
        if "msgid_plural" in entry.fields:
            for index, msgstr in enumerate(entry.msgstrs):
                if catalog.get((entry.msgid, index)) != msgstr:
                    stale.append(_where(entry))
        elif catalog.get(entry.msgid) != entry.msgstrs[0]:
            stale.append(_where(entry))
    assert not stale, "django.mo is stale, run compilemessages: " + "; ".join(stale)


def test_django_uses_the_vi_catalogue():
    with translation.override("vi"):
        assert translation.gettext("National Public-Service Portal") == "Cổng Dịch vụ công quốc gia"
        assert (
            translation.ngettext("%(counter)s procedure", "%(counter)s procedures", 3)
            % {"counter": 3}
            == "3 thủ tục"
        )
    with translation.override("en"):
        assert (
            translation.gettext("National Public-Service Portal")
            == "National Public-Service Portal"
        )


def test_dossier_statuses_use_the_official_national_names():
    from dossiers.states.business import Status

    expected = {
        1: "Mới đăng ký (chưa tiếp nhận)",
        2: "Đã tiếp nhận",
        3: "Từ chối tiếp nhận",
        4: "Đang giải quyết",
        5: "Yêu cầu bổ sung hồ sơ",
        6: "Yêu cầu thực hiện nghĩa vụ tài chính",
        7: "Công dân yêu cầu rút hồ sơ",
        8: "Dừng xử lý",
        9: "Đã giải quyết xong (chờ trả kết quả)",
        10: "Đã trả kết quả",
    }
    with translation.override("vi"):
        actual = {status.value: str(status.label) for status in Status if status.value in expected}
    assert actual == expected


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_is_in_vietnamese_by_default(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Cổng Dịch vụ công quốc gia" in html
    assert "Tra cứu hồ sơ" in html
    assert "National Public-Service Portal" not in html
    assert "Track a dossier" not in html


@pytest.mark.django_db
def test_home_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "National Public-Service Portal" in html
    assert "Cổng Dịch vụ công quốc gia" not in html
    # The choice sticks for the next request, and switching back works.
    assert "National Public-Service Portal" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/"}, follow=True)
    assert "Cổng Dịch vụ công quốc gia" in response.content.decode()


@pytest.mark.django_db
def test_procedure_catalogue_is_in_vietnamese(client, birth_version):
    html = client.get("/procedures/").content.decode()
    assert '<html lang="vi">' in html
    assert "Thủ tục hành chính" in html
    assert "Tìm kiếm thủ tục" in html
    assert "1 thủ tục" in html
    assert "Search procedures" not in html


@pytest.mark.django_db
def test_procedure_catalogue_empty_result_is_in_vietnamese(client):
    html = client.get("/procedures/", {"q": "zzzz-no-such-procedure"}).content.decode()
    assert "0 thủ tục" in html
    assert "Không tìm thấy thủ tục phù hợp" in html


@pytest.mark.django_db
def test_tracking_page_is_in_vietnamese(client):
    html = client.get("/track/").content.decode()
    assert '<html lang="vi">' in html
    assert "Tra cứu hồ sơ" in html
    assert "Mã hồ sơ" in html
    assert "4 số cuối của số định danh cá nhân" in html
    assert "Dossier code" not in html
    assert "Track a dossier" not in html


@pytest.mark.django_db
def test_tracking_errors_are_in_vietnamese(client):
    html = client.post("/track/", {"code": "", "id_last4": "12ab"}).content.decode()
    assert "Lỗi:" in html
    assert "Có lỗi cần sửa" in html
    assert "Vui lòng nhập 4 chữ số." in html
    assert "There is a problem" not in html
