"""The finished part of the chat: rendered once into lines, drawn only where visible.

Appending an item renders just that item; painting asks only for the visible lines, so
the cost of a streamed token does not grow with the length of the session.

The view follows the tail (it is *anchored*: every layout, including the one after the
live area below it grows or shrinks, scrolls it to the bottom) until the user scrolls up;
output that arrives then is announced by a "new output below" marker on the last row, and
scrolling back to the bottom (or End) follows the tail again."""

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
    can_focus = False  # the composer keeps the focus; keys and the wheel still scroll

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[RenderableType] = []
        self._lines: list[Strip] = []
        self._width = 0
        self._unseen = False  # lines arrived while the user was scrolled up

    def on_mount(self) -> None:
        self.anchor()

    @property
    def following(self) -> bool:
        """True while the view sticks to the newest line (the user has not scrolled up)."""
        return not self._anchor_released

    @property
    def unseen_output(self) -> bool:
        return self._unseen

    def follow(self) -> None:
        """Jump to the newest line and follow the tail again."""
        self._unseen = False
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._unseen and new_value >= self.max_scroll_y:
            self._unseen = False
            self.refresh()

    @property
    def item_count(self) -> int:
        return len(self._items)

    def plain_lines(self) -> list[str]:
        """The rendered text, line by line (what a user can read)."""
        return [strip.text.rstrip() for strip in self._lines]

    def clear(self) -> None:
        self._items.clear()
        self._lines.clear()
        self._unseen = False
        self._changed()

    def append(self, renderable: RenderableType) -> None:
        self.extend([renderable])

    def extend(self, renderables: list[RenderableType]) -> None:
        for r in renderables:
            self._items.append(r)
            if self._width:
                self._lines.extend(self._render_item(r, self._width))
        if renderables and not self.following:
            self._unseen = True
        self._changed()

    def _changed(self) -> None:
        self.virtual_size = Size(self._width, len(self._lines))
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def _render_item(self, renderable: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(width)
        lines = list(Segment.split_lines(console.render(renderable, options)))
        # Every segment gets a style: Textual's NO_COLOR filter fails on a bare segment.
        strips = [Strip(_styled(line)).simplify() for line in lines] or [_blank(width)]
        strips.append(_blank(width))  # a blank line between items
        return strips

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            self._width = width
            self._lines = [s for item in self._items for s in self._render_item(item, width)]
            self._changed()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._unseen and y == self.scrollable_content_region.height - 1:
            return _marker(width)
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._lines):
            return self._lines[index].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)


def _blank(width: int) -> Strip:
    from rich.style import Style

    return Strip.blank(width, Style.null())


def _styled(line: list[Segment]) -> list[Segment]:
    from rich.style import Style

    null = Style.null()
    return [seg if seg.style is not None else Segment(seg.text, null, seg.control) for seg in line]


def _marker(width: int) -> Strip:
    from rich.style import Style

    text = " ↓ new output below · End to follow "
    style = Style(reverse=True, bold=True)
    return Strip([Segment(text[:width], style)]).extend_cell_length(width)
