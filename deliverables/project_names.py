"""Which project a deliverable line names: "PanDA: title", or a known name (or an alias met
in ADC slides) as a word of the title."""

from __future__ import annotations

import re

from deliverables.models import Project

# Canonical name -> other spellings met in ADC slides (matched as whole words, any case).
KNOWN_PROJECTS: dict[str, tuple[str, ...]] = {
    "PanDA": ("PanDA", "pandamon", "panda monitor"),
    "Pilot": ("pilot", "pilots"),
    "Prodsys": ("Prodsys", "ProdSys", "AKTR"),
    "Dashboard": ("Dashboard",),
    "HammerCloud": ("HammerCloud",),
    "AGIS": ("AGIS",),
    "DDM": ("DDM", "DQ2"),
    "JEM": ("JEM",),
    "AutoPyFactory": ("autopyfactory", "autopsyfactory", "APF"),
    "Cassandra": ("Cassandra",),
    "Rucio": ("Rucio",),
}


def _alias_patterns(names: dict[str, tuple[str, ...]]) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for name, aliases in names.items():
        for alias in {name, *aliases}:
            words = r"\s+".join(re.escape(word) for word in alias.split())
            patterns.append((re.compile(rf"(?<![\w-]){words}(?![\w-])", re.IGNORECASE), name))
    return patterns


class KnownProjects:
    """Project names known to this import: the rows plus KNOWN_PROJECTS."""

    def __init__(self) -> None:
        self.rows = {p.name.casefold(): p for p in Project.objects.all()}
        names: dict[str, tuple[str, ...]] = {p.name: () for p in self.rows.values()}
        for name, aliases in KNOWN_PROJECTS.items():
            row = self.rows.get(name.casefold())
            canonical = row.name if row else name
            names[canonical] = (*names.get(canonical, ()), *aliases)
        self.names = names
        self.patterns = _alias_patterns(names)
        self.by_alias = {
            alias.casefold(): name for name, aliases in names.items() for alias in (name, *aliases)
        }

    def split(self, text: str) -> tuple[str | None, str]:
        """(project, title) for one deliverable line."""
        head, sep, rest = text.partition(":")
        if sep and rest.strip() and (name := self.by_alias.get(head.strip().casefold())):
            return name, rest.strip()
        found = [
            (m.start(), name) for pattern, name in self.patterns if (m := pattern.search(text))
        ]
        return (min(found)[1] if found else None), text

    def is_new(self, name: str) -> bool:
        return name.casefold() not in self.rows
