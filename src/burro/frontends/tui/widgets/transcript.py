"""The finished part of the chat: rendered once into lines, drawn only where visible.

Appending an item renders just that item; painting asks only for the visible lines, so
the cost of a streamed token does not grow with the length of the session."""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Transcript(ScrollView):
    """A scroll view of its own (not a tall widget inside a scroll container), so the
    layout cost of the screen does not depend on the length of the history."""

    DEFAULT_CSS = """
    Transcript { height: 1fr; width: 1fr; padding: 0 1; scrollbar-size-vertical: 1;
                 scrollbar-gutter: stable; }
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
        self._changed(follow=True)

    def append(self, renderable: RenderableType) -> None:
        self.extend([renderable])

    def extend(self, renderables: list[RenderableType]) -> None:
        follow = self.scroll_y >= self.max_scroll_y
        for r in renderables:
            self._items.append(r)
            if self._width:
                self._lines.extend(self._render_item(r, self._width))
        self._changed(follow=follow)

    def _changed(self, *, follow: bool) -> None:
        self.virtual_size = Size(self._width, len(self._lines))
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def _render_item(self, renderable: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(width)
        lines = list(Segment.split_lines(console.render(renderable, options)))
        strips = [Strip(line).simplify() for line in lines] or [Strip.blank(width)]
        strips.append(Strip.blank(width))  # a blank line between items
        return strips

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            self._width = width
            self._lines = [s for item in self._items for s in self._render_item(item, width)]
            self._changed(follow=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._lines):
            return self._lines[index].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)
