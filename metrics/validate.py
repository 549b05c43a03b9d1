"""Rules the catalog itself must satisfy; `problems()` lists every broken rule in words."""
from __future__ import annotations

from metrics import catalog as cat

OUTCOME_FAMILIES = ("outcome", "harm")


def _base_inputs(m: cat.Metric, by_name: dict[str, cat.Metric]) -> set[str]:
    """The metrics and table columns a metric is ultimately built from."""
    found: set[str] = set()
    for name in m.inputs:
        found.add(name)
        if name in by_name and by_name[name] is not m:
            found |= _base_inputs(by_name[name], by_name)
    return found


def problems(catalog: tuple[cat.Metric, ...] = cat.CATALOG) -> list[str]:
    """Every violated rule: unique names, described, known family/direction/type, inputs
    declared, and no outcome built only from vanity measures."""
    found: list[str] = []
    by_name: dict[str, cat.Metric] = {}
    for m in catalog:
        if m.name in by_name:
            found.append(f"{m.name}: the name is used twice")
        by_name[m.name] = m
    vanity_inputs = {i for m in catalog if m.family == "vanity" for i in m.inputs} | {
        m.name for m in catalog if m.family == "vanity"}
    for m in catalog:
        if m.family not in cat.FAMILIES:
            found.append(f"{m.name}: unknown family {m.family!r}; expected one of {cat.FAMILIES}")
        if m.direction not in cat.DIRECTIONS:
            found.append(f"{m.name}: direction {m.direction!r} is not up or down")
        if m.type not in cat.TYPES:
            found.append(f"{m.name}: unknown type {m.type!r}")
        for text, what in ((m.description, "description"), (m.definition, "definition"),
                           (m.label, "label")):
            if len(text.strip()) < (40 if what == "description" else 3):
                found.append(f"{m.name}: the {what} is missing or too short")
        if not m.inputs:
            found.append(f"{m.name}: no inputs declared")
        for dep in m.depends_on:
            if dep not in by_name:
                found.append(f"{m.name}: depends on unknown metric {dep!r}")
        if m.mistaken_for is not None:
            partner = by_name.get(m.mistaken_for)
            if partner is None or partner.family not in OUTCOME_FAMILIES:
                found.append(f"{m.name}: mistaken_for must name an outcome metric")
        if m.family in OUTCOME_FAMILIES:
            base = _base_inputs(m, by_name)
            if base and base <= vanity_inputs:
                found.append(f"{m.name}: an outcome computed only from vanity inputs "
                             f"({', '.join(sorted(base))})")
    for m in catalog:
        if m.family in cat.CONTEXT_FAMILIES and m.mistaken_for is None:
            found.append(f"{m.name}: a {m.family} metric must say which outcome it is "
                         "mistaken for")
    return found
