"""What every browser test asks of a page: a clean console and no axe-core violations."""

import re
from pathlib import Path


def watch_console(page, *, answered_statuses: tuple[int, ...] = ()) -> list[str]:
    """Collect console errors (CSP violations included) and uncaught exceptions.

    Chromium logs every 4xx response as an error; `answered_statuses` lists the ones the page
    handles as answers (a 409 stale refusal, a 422 over the limit), not as failures. The
    browser's own /favicon.ico request is not the page's doing.
    """
    errors: list[str] = []
    statuses = "|".join(str(status) for status in answered_statuses)
    answered = re.compile(rf"status of ({statuses}) " if statuses else r"(?!)")

    def on_console(msg):
        if msg.type != "error" or "favicon.ico" in msg.location.get("url", ""):
            return
        if answered.search(msg.text):
            return
        errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def axe_violations(
    page,
    js_modules: str,
    *,
    tags: tuple[str, ...] = ("wcag2a", "wcag2aa"),
    serious_only: bool = False,
) -> list[str]:
    """Run axe-core in the page (evaluate is not subject to the page's CSP)."""
    page.evaluate(Path(js_modules, "axe-core", "axe.min.js").read_text())
    impacts = ["serious", "critical"] if serious_only else None
    return page.evaluate(
        """([tags, impacts]) => axe.run(document, {runOnly: tags}).then(r => r.violations
            .filter(v => !impacts || impacts.includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))""",
        [list(tags), impacts],
    )
