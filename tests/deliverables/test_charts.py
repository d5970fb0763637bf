"""The SVG charts: readable numbers, escaped labels, accessible, no inline styles."""

import datetime
import re
import xml.etree.ElementTree as ET

from deliverables.charts import (
    Bar,
    Line,
    burn_up_chart,
    cumulative,
    nice_step,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, parsed to check it is well formed


def test_each_period_is_a_stack_of_done_on_track_slipped_and_dropped():
    markup = stacked_bar_chart(
        [
            Bar("April", {"done": 2, "on_track": 0, "slipped": 1, "dropped": 1}),
            Bar("Later", {"on_track": 2}),
        ],
        title="Planned, done and slipped",
        desc="April: 4 planned",
    )
    svg = parse(markup)
    bars = svg.findall(f".//{SVG}g[@class='bar']")
    assert [bar.get("data-label") for bar in bars] == ["April", "Later"]
    april = {rect.get("class"): rect for rect in bars[0].findall(f"{SVG}rect")}
    assert set(april) == {"seg seg-done", "seg seg-slipped", "seg seg-dropped"}
    heights = {key: float(rect.get("height")) for key, rect in april.items()}
    # Heights are proportional to the counts.
    assert heights["seg seg-done"] == 2 * heights["seg seg-slipped"]
    assert heights["seg seg-slipped"] == heights["seg seg-dropped"]
    totals = [bar.find(f"{SVG}text[@class='total']").text for bar in bars]
    assert totals == ["4", "2"]
    assert "April: 1 slipped" in markup


def test_charts_are_labelled_for_screen_readers():
    svg = parse(stacked_bar_chart([Bar("May", {"done": 1})], title="T", desc="D", chart_id="c1"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title"
    assert svg.get("aria-describedby") == "c1-desc"
    assert svg.find(f"{SVG}title").text == "T"
    assert svg.find(f"{SVG}desc").text == "D"


def test_labels_are_escaped_and_there_are_no_inline_styles():
    hostile = '<script>alert("x")</script> & "Fall"'
    bar_markup = stacked_bar_chart([Bar(hostile, {"done": 1})], title=hostile, desc=hostile)
    line_markup = burn_up_chart(
        [Line("done", hostile, [(datetime.date(2011, 5, 1), 1)])],
        start=datetime.date(2011, 4, 1),
        end=datetime.date(2011, 12, 31),
        title=hostile,
        desc=hostile,
    )
    for markup in (bar_markup, line_markup):
        assert "<script>" not in markup
        assert "&lt;script&gt;" in markup
        assert "style=" not in markup
        parse(markup)  # still well-formed XML


def test_an_empty_roadmap_still_draws_an_axis():
    svg = parse(stacked_bar_chart([], title="T", desc="D"))
    assert svg.findall(f".//{SVG}line[@class='gridline']")


def test_running_totals_add_up_per_day():
    may = datetime.date(2011, 5, 1)
    june = datetime.date(2011, 6, 1)
    assert cumulative([(june, 1), (may, 2), (june, 3)]) == [(may, 2), (june, 6)]
    assert cumulative([]) == []


def test_the_burn_up_steps_up_on_each_day_and_stops_at_today():
    start, end = datetime.date(2011, 4, 1), datetime.date(2011, 12, 31)
    done = cumulative([(datetime.date(2011, 5, 1), 1), (datetime.date(2011, 6, 1), 2)])
    due = cumulative([(datetime.date(2011, 4, 30), 3), (datetime.date(2011, 12, 31), 2)])
    svg = parse(
        burn_up_chart(
            [Line("due", "Due", due), Line("done", "Done", done, until=datetime.date(2011, 6, 15))],
            start=start,
            end=end,
            title="Burn-up",
            desc="3 done",
        )
    )
    plan = svg.find(f"{SVG}path[@class='line line-due']").get("d")
    assert plan.endswith("H710")  # a plan is drawn to the end
    path = svg.find(f"{SVG}path[@class='line line-done']")
    d = path.get("d")
    ys = [float(y) for y in re.findall(r"V([\d.]+)", d)]
    assert len(ys) == 2
    assert ys[0] > ys[1]  # higher on the page means more done
    last_x = float(re.findall(r"H([\d.]+)", d)[-1])
    right = 710
    assert last_x < right / 2  # mid-June is well before the end of December
    ticks = [t.text for t in svg.findall(f".//{SVG}g[@class='axis axis-x']/{SVG}text")]
    assert ticks[0] == "Apr 2011"
    assert "Dec" in ticks


def test_tick_steps_are_round_numbers():
    assert [nice_step(n) for n in (3, 5, 12, 40, 90, 2000)] == [1, 1, 5, 10, 20, 500]
