"""How long Markdown rendering takes on adversarial input: `python -m bench.markdown_render`.

Renders 1 MiB of each pattern that makes Markdown parsers slow, plus an ordinary week of minutes,
through adcmeet.lib.markdown (parser + sanitiser, no cache) and prints the CPU seconds per
pattern and per MiB. docs/performance.md keeps the last numbers.
"""

from __future__ import annotations

import os
import sys
import time

MIB = 1 << 20
PATTERNS = {
    "unclosed links": "[",
    "unclosed link targets": "[a](",
    "unclosed images": "![",
    "emphasis runs": "*a",
    "mixed emphasis": "_*",
    "strong runs": "**a",
    "reference definitions": "[x]: ",
    "angle brackets": "<",
    "shortcut references": "[a]",
    "table pipes": "|a|\n",
    "nested lists (shown plain)": "- " * 40 + "a\n",
    "ordinary minutes": "**PanDA**: the pilot release is *on track*; see [slides](https://x.ch).\n\n",
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adcmeet.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from adcmeet.lib import markdown

    print(f"{'input (1 MiB)':32} {'CPU s':>7}")
    for name, unit in PATTERNS.items():
        text = unit * (MIB // len(unit))
        started = time.thread_time()
        markdown._render(text)
        print(f"{name:32} {time.thread_time() - started:7.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
