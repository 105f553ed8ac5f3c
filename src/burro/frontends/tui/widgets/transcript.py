"""The finished part of the chat: rendered once into lines, drawn only where visible.

Appending an item renders just that item; painting asks only for the visible lines, so
the cost of a streamed token does not grow with the length of the session."""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class Transcript(Widget):
    DEFAULT_CSS = """
    Transcript { height: auto; width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[RenderableType] = []
        self._lines: list[Strip] = []
        self._width = 0

    @property
    def item_count(self) -> int:
        return len(self._items)

    def plain_lines(self) -> list[str]:
        """The rendered text, line by line (what a user can read)."""
        return [strip.text.rstrip() for strip in self._lines]

    def clear(self) -> None:
        self._items.clear()
        self._lines.clear()
        self.refresh(layout=True)

    def append(self, renderable: RenderableType) -> None:
        self._items.append(renderable)
        if self._width:
            self._lines.extend(self._render_item(renderable, self._width))
        self.refresh(layout=True)

    def extend(self, renderables: list[RenderableType]) -> None:
        for r in renderables:
            self._items.append(r)
            if self._width:
                self._lines.extend(self._render_item(r, self._width))
        self.refresh(layout=True)

    def _render_item(self, renderable: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(width)
        lines = list(Segment.split_lines(console.render(renderable, options)))
        strips = [Strip(line).simplify() for line in lines] or [Strip.blank(width)]
        strips.append(Strip.blank(width))  # a blank line between items
        return strips

    def _ensure_width(self, width: int) -> None:
        if width == self._width or width <= 0:
            return
        self._width = width
        self._lines = [s for item in self._items for s in self._render_item(item, width)]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_width(width)
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        self._ensure_width(width)
        if 0 <= y < len(self._lines):
            return self._lines[y].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)
