"""A workflow drawn as SVG from its definition in ``workflows/<name>.yaml`` (issue 7 §4).

The layout is plain and deterministic: each state goes into the column of its
distance from the initial state (along ordinary transitions), stacked in file
order; states reached only by "from any state" transitions (``suspend``) go in
a row underneath, joined to the main rows by one arrow each way. Transitions
are arrows labelled with the event's name in the page's language; the current
state is filled. No script, no external font: the page's own font draws it.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from disburse.domain.workflow import PREVIOUS, TransitionSpec, Workflow
from disburse.services.workflows import LOADERS
from disburse.web.i18n import lang

#: The workflows that can be drawn, by the name of their file.
WORKFLOWS: dict[str, Callable[[], Workflow[Any, Any]]] = LOADERS

BOX_W, BOX_H = 140, 46
COL, ROW = 250, 110
PAD = 30
#: Where the first row starts: room for the title, loops and the curves of backward arrows above it.
TOP = 96
#: A transition from this many states or more is drawn once, from the whole main area.
BROAD = 3
#: Each workflow's title, in the page's language.
TITLES: dict[str, Callable[[], str]] = {
    "project": lambda: _("示范项目流程"), "acceptance": lambda: _("验收流程"), "payment": lambda: _("拨付流程"),
    "amendment": lambda: _("实施方案调整流程"),
}


@dataclass(frozen=True)
class Box:
    name: str
    x: float
    y: float

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


def _is_broad(t: TransitionSpec) -> bool:
    return len(t.sources) >= BROAD or t.chooser == PREVIOUS


def _drawn(workflow: Workflow[Any, Any]) -> list[TransitionSpec]:
    """The transitions between states: the one that creates the object starts the diagram at its initial
    state and is not an arrow."""
    return [t for t in workflow.transitions.values() if not t.creates]


def _label(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def _wrap(text: str, width: int) -> list[str]:
    """At most two lines of about ``width`` characters (words kept whole in English)."""
    if len(text) <= width:
        return [text]
    if " " not in text:
        return [text[:width], text[width:]]
    words, first = text.split(), ""
    while words and len(first) + len(words[0]) + (1 if first else 0) <= width:
        first = f"{first} {words.pop(0)}".strip()
    return [first, " ".join(words)] if first else [text]


def layout(workflow: Workflow[Any, Any]) -> tuple[dict[str, Box], list[str]]:
    """Where each state goes; the states of the lower row (reached only by broad transitions)."""
    ordinary = [t for t in _drawn(workflow) if not _is_broad(t)]
    rank = {workflow.initial: 0}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for t in ordinary:
            if state in t.sources:
                for dest in t.dests:
                    if dest not in rank:
                        rank[dest] = rank[state] + 1
                        queue.append(dest)
    side = [s for s in workflow.states if s not in rank]
    rows: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    for state in workflow.states:
        if state in rank:
            row = rows.get(rank[state], 0)
            rows[rank[state]] = row + 1
            boxes[state] = Box(state, PAD + rank[state] * COL, TOP + row * ROW)
    depth = max(rows.values(), default=1)
    for i, state in enumerate(side):
        boxes[state] = Box(state, PAD + (1 + 2 * i) * COL, TOP + depth * ROW + 40)
    return boxes, side


def _edge_point(box: Box, towards_x: float, towards_y: float) -> tuple[float, float]:
    """Where the line from the box's centre towards a point leaves the box."""
    dx, dy = towards_x - box.cx, towards_y - box.cy
    if dx == 0 and dy == 0:
        return box.cx, box.cy
    scale = min((BOX_W / 2) / abs(dx) if dx else float("inf"), (BOX_H / 2) / abs(dy) if dy else float("inf"))
    return box.cx + dx * scale, box.cy + dy * scale


def _text(x: float, y: float, text: str, cls: str, width: int = 14) -> str:
    lines = _wrap(text, width)
    if len(lines) == 1:
        return f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}">{escape(text)}</text>'
    spans = "".join(f'<tspan x="{x:.0f}" dy="{-0.6 if i == 0 else 1.2}em">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}">{spans}</text>'


def _arrow(a: Box, b: Box, label: str, bend: float = 0.0) -> str:
    """A labelled arrow from box ``a`` to box ``b``; ``bend`` curves it (backward edges, loops)."""
    if a.name == b.name:
        x, y = a.cx, a.y
        path = f"M{x - 18:.0f},{y:.0f} C{x - 26:.0f},{y - 26:.0f} {x + 26:.0f},{y - 26:.0f} {x + 18:.0f},{y:.0f}"
        return (f'<path d="{path}" class="edge" marker-end="url(#arrow)"/>'
                + _text(x, y - 26, label, "edge-label", 24))
    mx, my = _middle(a, b, bend)
    x1, y1 = _edge_point(a, mx, my)
    x2, y2 = _edge_point(b, mx, my)
    if bend:
        qx, qy = 2 * mx - (x1 + x2) / 2, 2 * my - (y1 + y2) / 2
        path = f"M{x1:.0f},{y1:.0f} Q{qx:.0f},{qy:.0f} {x2:.0f},{y2:.0f}"
        lx, ly = (x1 + 2 * qx + x2) / 4, (y1 + 2 * qy + y2) / 4
    else:
        path = f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2
    return f'<path d="{path}" class="edge" marker-end="url(#arrow)"/>' + _text(lx, ly - 4, label, "edge-label", 16)


def _middle(a: Box, b: Box, bend: float) -> tuple[float, float]:
    """The point the arrow passes half way: the centres' midpoint moved ``bend`` across the arrow
    (positive: down, or right for an upright arrow)."""
    dx, dy = b.cx - a.cx, b.cy - a.cy
    length = max((dx * dx + dy * dy) ** 0.5, 1.0)
    nx, ny = -dy / length, dx / length
    if ny < 0 or (ny == 0 and nx < 0):
        nx, ny = -nx, -ny
    return (a.cx + b.cx) / 2 + bend * nx, (a.cy + b.cy) / 2 + bend * ny


def _curve(a: Box, b: Box, bend: float, steps: int = 24) -> list[tuple[float, float]]:
    """Points along the arrow from ``a`` to ``b`` drawn with ``bend`` (as :func:`_arrow` draws it)."""
    mx, my = _middle(a, b, bend)
    x1, y1 = _edge_point(a, mx, my)
    x2, y2 = _edge_point(b, mx, my)
    qx, qy = 2 * mx - (x1 + x2) / 2, 2 * my - (y1 + y2) / 2
    return [((1 - t) ** 2 * x1 + 2 * (1 - t) * t * qx + t ** 2 * x2,
             (1 - t) ** 2 * y1 + 2 * (1 - t) * t * qy + t ** 2 * y2) for t in (i / steps for i in range(steps + 1))]


def _bend(a: Box, b: Box, boxes: list[Box], reverse_exists: bool) -> float:
    """The first bend in a fixed order (straight, then ever wider curves up and down) whose arrow
    crosses no other state; a backward arrow never runs straight over its forward twin."""
    size = 30 + 18 * abs(b.x - a.x) / COL
    candidates = [] if b.x < a.x and reverse_exists else [0.0]
    up_first = (a.y == b.y == TOP or b.x >= a.x) and a.x != b.x  # an upright arrow bends right first
    for width in (size, 2 * size, BOX_W / 2 + 16, BOX_W + 16):
        candidates += [-width, width] if up_first else [width, -width]
    others = [o for o in boxes if o.name not in (a.name, b.name)]
    for bend in candidates:
        if not any(o.x - 6 <= x <= o.x + BOX_W + 6 and o.y - 6 <= y <= o.y + BOX_H + 6
                   for x, y in _curve(a, b, bend) for o in others):
            return bend
    return candidates[0]


def _broad_arrows(t: TransitionSpec, label: str, boxes: dict[str, Box], side: list[str],
                  bottom_main: float) -> list[str]:
    """A transition from (or back to) any state of the main rows: one dashed arrow between the
    lower-row state and the band under the main rows."""
    parts = []
    for state in side:
        box = boxes[state]
        if state in t.dests and t.chooser != PREVIOUS:
            x = box.cx - 24
            parts.append(f'<path d="M{x:.0f},{bottom_main + 8:.0f} L{x:.0f},{box.y:.0f}" class="edge broad" '
                         'marker-end="url(#arrow)"/>')
            parts.append(_text(x - 8, (bottom_main + box.y) / 2 + 4, label + _("（任一进行中状态）"),
                               "edge-label end", 40))
        if state in t.sources:
            x = box.cx + 24
            parts.append(f'<path d="M{x:.0f},{box.y:.0f} L{x:.0f},{bottom_main + 8:.0f}" class="edge broad" '
                         'marker-end="url(#arrow)"/>')
            back = _("（回到暂停前状态）") if t.chooser == PREVIOUS else ""
            parts.append(_text(x + 8, (bottom_main + box.y) / 2 + 4, label + back, "edge-label start", 40))
    return parts


#: The diagram's own stylesheet, a constant: the Content-Security-Policy allows exactly this inline
#: ``<style>`` by its hash (:mod:`disburse.security`).
SVG_STYLE = (
    "text{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',system-ui,sans-serif}"
    ".state rect{fill:#fff;stroke:#5b6770;stroke-width:1.5}"
    ".state.current rect{fill:#b3261e;stroke:#7d1a15;stroke-width:3}"
    ".state-label{font-size:15px;text-anchor:middle;fill:#1d2733}"
    ".state.current .state-label{fill:#fff;font-weight:700}"
    ".edge{fill:none;stroke:#7a8691;stroke-width:1.4}.edge.broad{stroke-dasharray:5 4}"
    ".edge-label{font-size:12.5px;text-anchor:middle;fill:#36414b;paint-order:stroke;stroke:#fff;"
    "stroke-width:4px;stroke-linejoin:round}"
    ".edge-label.end{text-anchor:end}.edge-label.start{text-anchor:start}"
    ".band{stroke:#c4ccd4;stroke-dasharray:2 4}"
    ".title{font-size:13px;fill:#66707a}"
)


def svg(name: str, current: str | None = None) -> str:
    """The workflow ``name`` as an SVG document, ``current`` highlighted."""
    workflow = WORKFLOWS[name]()
    boxes, side = layout(workflow)
    main = [b for s, b in boxes.items() if s not in side]
    width = max(b.x for b in boxes.values()) + BOX_W + PAD
    bottom_main = max(b.y for b in main) + BOX_H
    height = max(b.y for b in boxes.values()) + BOX_H + PAD
    parts: list[str] = []
    edges: dict[tuple[str, str], list[str]] = {}
    for t in _drawn(workflow):
        label = _label(t.zh, t.en)
        if _is_broad(t):
            parts.extend(_broad_arrows(t, label, boxes, side, bottom_main))
            continue
        for source in t.sources:
            for dest in t.dests:
                edges.setdefault((source, dest), []).append(label)
    lowest = 0.0
    for (source, dest), labels in edges.items():
        a, b = boxes[source], boxes[dest]
        bend = 0.0 if a.name == b.name else _bend(a, b, list(boxes.values()), (dest, source) in edges)
        lowest = max([lowest] + [y for _, y in _curve(a, b, bend)])
        parts.append(_arrow(a, b, " / ".join(labels), bend))
    height = max(height, lowest + PAD)
    if side:
        parts.append(f'<line x1="{PAD - 10}" y1="{bottom_main + 8:.0f}" x2="{width - PAD + 10:.0f}" '
                     f'y2="{bottom_main + 8:.0f}" class="band"/>')
    for state, box in boxes.items():
        spec = workflow.states[state]
        here = " current" if state == current else ""
        aria = ' aria-current="step"' if here else ""
        parts.append(
            f'<g class="state{here}" data-state="{state}"{aria}>'
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            + _text(box.cx, box.cy + 5, _label(spec.zh, spec.en), "state-label", 16) + "</g>")
    title = TITLES[workflow.name]() if workflow.name in TITLES else workflow.name
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" data-workflow="{name}" data-current="{escape(current or "")}">'
        f"<title>{escape(title)}</title><style>{SVG_STYLE}</style>"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a8691"/></marker></defs>'
        f'<text x="{PAD - 10}" y="{PAD - 8}" class="title">{escape(title)}</text>'
        + "".join(parts) + "</svg>"
    )
