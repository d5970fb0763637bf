from adcmeet.lib.markdown import render


def test_markdown_renders_emphasis_lists_and_links():
    html = render(
        "**Decision**: go ahead\n\n- Rucio\n- PanDA\n\n[slides](https://indico.cern.ch/x)"
    )

    assert "<strong>Decision</strong>" in html
    assert "<li>Rucio</li>" in html
    assert (
        '<a href="https://indico.cern.ch/x" rel="noopener noreferrer nofollow">slides</a>' in html
    )


def test_raw_html_is_shown_as_text_never_interpreted():
    html = render('<script>alert("x")</script> and <b onclick="steal()">bold</b>')

    assert "<script" not in html
    assert "<b " not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b onclick=" in html


def test_javascript_links_lose_their_target():
    for source in (
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
    ):
        html = render(source)
        assert "javascript" not in html.lower(), source
        assert "data:" not in html, source
        assert "vbscript" not in html.lower(), source
        assert "click" in html


def test_html_block_smuggled_through_markdown_stays_text():
    html = render('<div onmouseover="x()">\n<img src=x onerror=alert(1)>\n</div>')

    assert "<div" not in html
    assert "<img" not in html
    assert "onerror" in html  # as visible text, escaped
    assert "&lt;img" in html


def test_images_are_dropped():
    # The CSP allows no outside images anyway; an image in minutes must not become a beacon.
    assert "<img" not in render("![tracker](https://evil.example/pixel.gif)")


def test_relative_and_mailto_links_are_kept():
    html = render("[agenda](/meetings/3/) or [mail](mailto:adc@example.org)")

    assert 'href="/meetings/3/"' in html
    assert 'href="mailto:adc@example.org"' in html


def test_code_and_tables_render():
    html = render("```\nrucio list-dids\n```\n\n| Site | Jobs |\n|---|---|\n| BNL | 12 |")

    assert "<pre><code>rucio list-dids" in html
    assert "<td>BNL</td>" in html


def test_empty_text_renders_nothing():
    assert render("") == ""
    assert render("   \n ") == ""


def test_line_breaks_in_minutes_are_kept():
    assert "<br>" in render("first line\nsecond line")
