"""The chart helper (dashboards.charts): values become bars and points in proportion, every
value is written as text, titles and labels are escaped, and empty, single, zero and very
large series still draw; the same shapes draw in the PDF."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from dashboards.charts import GAP, Bar, Rect, Text, columns, hbar, line, ranking

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg()))  # noqa: S314 - our own output


def widths(root: ET.Element) -> list[float]:
    return [float(r.get("width")) for r in root.iter(f"{SVG}rect")]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_bars_are_in_proportion_and_carry_their_values():
    root = parse(hbar("Dossiers", [Bar("A", 50, "50"), Bar("B", 100, "100"), Bar("C", 25, "25")]))
    assert widths(root) == [250.0, 500.0, 125.0]
    assert {"A", "B", "C", "50", "100", "25"} <= set(texts(root))


def test_the_svg_is_an_image_with_a_title_and_a_description_read_out():
    root = parse(ranking("Provinces by on time", [Bar("1. Hà Nội", 95.2, "95,2 %")]))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Provinces by on time"
    assert desc is not None
    assert desc.text == "1. Hà Nội: 95,2 %"
    labelled = root.get("aria-labelledby", "").split()
    assert labelled == [title.get("id"), desc.get("id")]


def test_an_empty_series_says_so_instead_of_drawing_nothing():
    for chart in (hbar("T", [], empty="No data"), ranking("T", [], empty="No data")):
        root = parse(chart)
        assert widths(root) == []
        assert "No data" in texts(root)
        assert root.find(f"{SVG}desc").text == "No data"
    root = parse(columns("T", [], empty="No data"))
    assert root.get("viewBox").startswith("0 0 ")


def test_one_value_fills_the_chart_and_zeros_draw_no_bar():
    assert widths(parse(hbar("T", [Bar("only", 7, "7")]))) == [500.0]
    assert widths(parse(hbar("T", [Bar("a", 0, "0"), Bar("b", 0, "0")]))) == [0.0, 0.0]
    heights = [
        float(r.get("height"))
        for r in parse(columns("T", [Bar("01/26", 0, "0")])).iter(f"{SVG}rect")
    ]
    assert heights == [0.0]


def test_large_numbers_keep_their_proportions_and_text():
    root = parse(
        hbar(
            "T",
            [
                Bar("big", 12_345_678_901, "12.345.678.901"),
                Bar("half", 6_172_839_450.5, "6.172.839.450,5"),
            ],
        )
    )
    assert widths(root) == [500.0, 250.0]
    assert "12.345.678.901" in texts(root)


def test_labels_and_titles_are_escaped():
    evil = '<script>alert("x")</script> & Co'
    svg = str(hbar(evil, [Bar(evil, 1, "<b>1</b>")]).svg())
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # noqa: S314 - still well-formed
    assert root.find(f"{SVG}title").text == evil


def test_a_line_chart_plots_points_and_leaves_a_gap_for_months_without_data():
    points = [
        Bar("01/26", 50, "50 %"),
        Bar("02/26", 100, "100 %"),
        Bar("03/26", None, "no data"),
        Bar("04/26", 0, "0 %"),
    ]
    chart = line("On time", points, max_value=100)
    root = parse(chart)
    circles = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert len(circles) == 3
    base = 40 + 220
    assert circles == [base - 110, base - 220, base]
    lines = [p.get("points") for p in root.iter(f"{SVG}polyline")]
    # the axis, the 100 % guide, and one run of two points (the gap breaks it; one point alone has no line)
    assert sum(1 for p in lines if len(p.split()) == 2 and not p.startswith("10.0")) == 1
    assert GAP in texts(root)
    assert "03/26: no data" in root.find(f"{SVG}desc").text


def test_a_line_from_a_floor_keeps_its_points_in_the_box_and_labels_the_axis():
    chart = line(
        "T",
        [Bar("a", 95, "95"), Bar("b", 70, "70")],
        max_value=100,
        floor=80,
        axis=("80 %", "100 %"),
    )
    root = parse(chart)
    base = 40 + 220
    assert [float(c.get("cy")) for c in root.iter(f"{SVG}circle")] == [base - 165, base]
    assert {"80 %", "100 %"} <= set(texts(root))


@pytest.mark.parametrize("maker", [hbar, ranking, columns])
def test_the_same_shapes_draw_in_the_pdf(maker):
    chart = maker("T", [Bar("a", 3, "3"), Bar("b", 1, "1")])
    drawing = chart.drawing(300, max_scale=10)
    assert drawing.width == pytest.approx(300)
    assert drawing.height == pytest.approx(chart.height * 300 / chart.width)
    drawn = [s for s in drawing.contents if hasattr(s, "text")]
    assert sorted(s.text for s in drawn) == sorted(
        t.text for t in chart.shapes if isinstance(t, Text)
    )
    assert sum(1 for s in chart.shapes if isinstance(s, Rect) and s.w > 0 and s.h > 0) == 2


def test_a_short_series_is_not_blown_up_in_the_pdf():
    chart = columns("T", [Bar("05/24", 0, "0")])
    drawing = chart.drawing(480)
    assert drawing.width == pytest.approx(chart.width * 0.65)
    assert drawing.height == pytest.approx(chart.height * 0.65)


def test_the_ranking_numbers_are_in_the_label_given():
    root = parse(ranking("T", [Bar("1. A", 90, "90 %"), Bar("34. Z", 10, "10 %")], max_value=100))
    assert [t for t in texts(root) if re.match(r"\d+\. ", t)] == ["1. A", "34. Z"]
