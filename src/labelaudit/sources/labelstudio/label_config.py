"""Read a Label Studio ``label_config`` (XML) into labelaudit's schema mapping.

Only control tags that hold a human judgment become fields. Each field gets the
``level``/``values``/``kind`` keys of ``schema.yaml`` (CONTRACT section 1). What a control
means for the audit:

============  ==========  ===========  =================================================
tag           kind        level        values
============  ==========  ===========  =================================================
Choices       single /    nominal      each ``Choice``'s ``alias``, else its ``value``
              multi                    (results store the alias)
Labels        single /    nominal      each ``Label``'s ``alias``, else its ``value``
              multi
Rating        single      ordinal      1 .. ``maxRating`` (default 5)
Number        single      interval     [] (open scale)
Pairwise      pairwise    nominal      ["left", "right"] (the result's ``selected``)
Ranker        ranking     ordinal      [] (items ranked are task data)
TextArea      text        nominal      [] (free text: noted, never scored)
============  ==========  ===========  =================================================
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

#: control tag -> result ``type`` Label Studio writes for it (lower case)
CONTROL_RESULT_TYPES: dict[str, str] = {
    "Choices": "choices",
    "Labels": "labels",
    "Rating": "rating",
    "Number": "number",
    "Pairwise": "pairwise",
    "Ranker": "ranker",
    "TextArea": "textarea",
}

#: other tags that carry judgments but that labelaudit does not score (named in notes)
_UNSCORED_CONTROLS = frozenset(
    {
        "Taxonomy",
        "DateTime",
        "Relations",
        "RectangleLabels",
        "PolygonLabels",
        "KeyPointLabels",
        "BrushLabels",
        "EllipseLabels",
        "HyperTextLabels",
        "ParagraphLabels",
        "TimeSeriesLabels",
        "VideoRectangle",
        "Rectangle",
        "Polygon",
        "KeyPoint",
        "Brush",
        "Ellipse",
    }
)


@dataclass
class LabelConfig:
    """A parsed label config.

    ``schema`` is the ``schema.yaml`` mapping (``{"fields": {...}}``); ``controls`` maps
    each field to its control tag name; ``notes`` explain anything not carried over.
    """

    schema: dict
    controls: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _option_values(node: ET.Element, option_tag: str) -> list[str]:
    # alias wins: Label Studio stores the alias in results when one is set
    out: list[str] = []
    for opt in node.iter(option_tag):
        val = opt.get("alias") or opt.get("value")
        if val is not None and val not in out:
            out.append(val)
    return out


def parse_label_config(xml: str) -> LabelConfig:
    """Parse a label config into a schema mapping.

    Parameters
    ----------
    xml : str
        The project's ``label_config``.

    Returns
    -------
    LabelConfig
        ``schema`` with one field per judgment control (keyed by its ``name``), the
        control tag of each field, and notes on dynamic options and unscored controls.

    Raises
    ------
    ValueError
        When the text is not well-formed XML.

    Examples
    --------
    >>> cfg = parse_label_config(
    ...     '<View><Text name="t" value="$text"/>'
    ...     '<Choices name="tox" toName="t"><Choice value="Toxic" alias="toxic"/>'
    ...     '<Choice value="Fine"/></Choices><Rating name="q" toName="t" maxRating="3"/></View>'
    ... )
    >>> cfg.schema["fields"]["tox"]
    {'level': 'nominal', 'values': ['toxic', 'Fine'], 'kind': 'single'}
    >>> cfg.schema["fields"]["q"]
    {'level': 'ordinal', 'values': [1, 2, 3], 'kind': 'single'}
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"label_config is not well-formed XML: {exc}") from None
    fields: dict[str, dict] = {}
    controls: dict[str, str] = {}
    notes: list[str] = []
    for node in root.iter():
        tag, name = node.tag, node.get("name")
        if tag in _UNSCORED_CONTROLS and name:
            notes.append(f"control {tag} {name!r} is not scored by labelaudit")
            continue
        if tag not in CONTROL_RESULT_TYPES or not name:
            continue
        spec: dict
        if tag in ("Choices", "Labels"):
            option_tag = "Choice" if tag == "Choices" else "Label"
            multiple = node.get("choice", "single") == "multiple"
            values = _option_values(node, option_tag)
            if (node.get("value") or "").startswith("$"):
                notes.append(
                    f"field {name!r} takes its options from task data ({node.get('value')}): "
                    "its values are not in the schema"
                )
            spec = {"level": "nominal", "values": values, "kind": "multi" if multiple else "single"}
        elif tag == "Rating":
            try:
                top = int(node.get("maxRating", "5"))
            except ValueError:
                raise ValueError(f"Rating {name!r}: maxRating is not an integer") from None
            spec = {"level": "ordinal", "values": list(range(1, top + 1)), "kind": "single"}
        elif tag == "Number":
            spec = {"level": "interval", "values": [], "kind": "single"}
        elif tag == "Pairwise":
            spec = {"level": "nominal", "values": ["left", "right"], "kind": "pairwise"}
        elif tag == "Ranker":
            spec = {"level": "ordinal", "values": [], "kind": "ranking"}
        else:  # TextArea
            spec = {"level": "nominal", "values": [], "kind": "text"}
            notes.append(f"free-text field {name!r} ({tag}) is listed but not scored")
        if name in fields:
            notes.append(f"control name {name!r} appears twice; the first one is kept")
            continue
        fields[name] = spec
        controls[name] = tag
    return LabelConfig(schema={"fields": fields}, controls=controls, notes=notes)
