"""The composer: multi-line input with history, `@` path and `/` command completion,
large-paste placeholders and image attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual.message import Message
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from burro.core.api import FileIndex
from burro.frontends.tui import slash
from burro.util.images import NotAnImage, image_data_url

LARGE_PASTE_CHARS = 1000
LARGE_PASTE_LINES = 12
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
_AT = re.compile(r"(?:^|\s)@([^\s@]*)$")
_PLACEHOLDER = re.compile(r"\[Pasted text #(\d+): \d+ lines\]")


@dataclass
class Draft:
    text: str
    images: list[str] = field(default_factory=list)  # data URLs


class Completions(OptionList):
    DEFAULT_CSS = """
    Completions { height: auto; max-height: 8; display: none; border: none; padding: 0 1;
                  background: $boost; }
    Completions.-shown { display: block; }
    """
    can_focus = False


class Composer(TextArea):
    DEFAULT_CSS = """
    Composer { height: auto; min-height: 3; max-height: 12; border: round $primary 40%;
               padding: 0 1; }
    Composer:focus { border: round $primary; }
    """

    class Submitted(Message):
        def __init__(self, draft: Draft) -> None:
            super().__init__()
            self.draft = draft

    class Hint(Message):
        """A one-line hint for the activity line (ctrl+r search state); "" clears it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class HelpRequested(Message):
        """`?` on an empty composer: show the keys."""

    def __init__(self, *, cwd: Path, cursor_blink: bool = True) -> None:
        super().__init__(
            "",
            id="composer",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            compact=True,
        )
        self.cursor_blink = cursor_blink
        self.cwd = cwd
        self.files = FileIndex(cwd)
        self.prompt_history: list[str] = []
        self._hist_pos: int | None = None
        self._pastes: dict[int, str] = {}
        self.images: list[tuple[str, str]] = []  # (label, data URL)
        self._popup: Completions | None = None
        self._completing: str = ""  # "@" or "/"
        self._search: tuple[str, int, str] | None = None  # ctrl+r: query, index, draft

    def attach_popup(self, popup: Completions) -> None:
        self._popup = popup

    # -- completion --------------------------------------------------------------------
    def _popup_shown(self) -> bool:
        return self._popup is not None and self._popup.has_class("-shown")

    def _hide_popup(self) -> None:
        if self._popup is not None:
            self._popup.remove_class("-shown")

    def _before_cursor(self) -> str:
        row, col = self.cursor_location
        return self.document.get_line(row)[:col]

    def _update_popup(self) -> None:
        if self._popup is None:
            return
        before = self._before_cursor()
        options: list[Option] = []
        if self.cursor_location[0] == 0 and re.fullmatch(r"/\w*", before) and "\n" not in self.text:
            self._completing = "/"
            options = [
                Option(f"/{c.name:<10} {c.help}", id=c.name) for c in slash.completions(before[1:])
            ]
        elif m := _AT.search(before):
            self._completing = "@"
            options = [Option(p, id=p) for p in self.files.search(m.group(1), limit=8)]
        self._popup.clear_options()
        if options:
            self._popup.add_options(options)
            self._popup.highlighted = 0
            self._popup.add_class("-shown")
        else:
            self._hide_popup()

    def _accept_completion(self) -> None:
        popup = self._popup
        if popup is None or popup.highlighted is None:
            return
        choice = popup.get_option_at_index(popup.highlighted).id or ""
        row, col = self.cursor_location
        before = self._before_cursor()
        if self._completing == "/":
            self.replace(f"/{choice} ", (row, 0), (row, col))
        else:
            m = _AT.search(before)
            start = col - len(m.group(1)) - 1 if m else col
            self.replace(f"@{choice} ", (row, start), (row, col))
        self._hide_popup()

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        self._update_popup()

    # -- keys --------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "ctrl+r":
            event.stop()
            event.prevent_default()
            self._reverse_search()
            return
        if self._search is not None:
            original = self._search[2]
            self._search = None
            self.post_message(self.Hint(""))
            if key == "escape":  # back to what was typed before the search
                event.stop()
                event.prevent_default()
                self.text = original
                self.move_cursor(self.document.end)
                return
        if key == "question_mark" and not self.text:
            event.stop()
            event.prevent_default()
            self.post_message(self.HelpRequested())
            return
        if self._popup_shown() and self._popup is not None:
            handled = True
            if key == "up":
                self._popup.action_cursor_up()
            elif key == "down":
                self._popup.action_cursor_down()
            elif key == "tab" or (key == "enter" and self._completing == "@"):
                self._accept_completion()
            elif key == "escape":
                self._hide_popup()
            else:
                handled = False
            if handled:
                event.stop()
                event.prevent_default()
                return
        if key in ("tab", "shift+tab"):
            # Focus never leaves the composer (typing would be lost); tab completes.
            event.stop()
            event.prevent_default()
            self._update_popup()
            return
        if key == "enter":
            event.stop()
            event.prevent_default()
            self._hide_popup()
            self.submit()
            return
        if key in ("shift+enter", "ctrl+j", "alt+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key == "up" and self.cursor_location[0] == 0 and self.prompt_history:
            event.stop()
            event.prevent_default()
            self._history_step(-1)
            return
        if key == "down" and self._hist_pos is not None and self._on_last_row():
            event.stop()
            event.prevent_default()
            self._history_step(1)
            return
        await super()._on_key(event)

    def _reverse_search(self) -> None:
        from burro.frontends.tui.history import search

        if self._search is None:
            query, before, original = self.text.strip(), len(self.prompt_history), self.text
        else:
            query, before, original = self._search
        found = search(self.prompt_history, query, before=before)
        if found is None:
            self.post_message(self.Hint(f"reverse search: no older prompt with '{query}'"))
            return
        self._search = (query, found, original)
        self.text = self.prompt_history[found]
        self.move_cursor(self.document.end)
        self._hide_popup()
        what = f"'{query}'" if query else "all prompts"
        self.post_message(self.Hint(f"reverse search {what}: ctrl+r older · esc cancel"))

    def _on_last_row(self) -> bool:
        return self.cursor_location[0] >= self.document.line_count - 1

    def _history_step(self, step: int) -> None:
        pos = len(self.prompt_history) if self._hist_pos is None else self._hist_pos
        pos = max(0, min(len(self.prompt_history), pos + step))
        self._hist_pos = None if pos == len(self.prompt_history) else pos
        self.text = "" if self._hist_pos is None else self.prompt_history[pos]
        self.move_cursor(self.document.end)
        self._hide_popup()

    # -- paste -------------------------------------------------------------------------
    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        text = event.text
        candidate = Path(text.strip().strip("'\"")).expanduser()
        if "\n" not in text.strip() and candidate.suffix.lower() in IMAGE_SUFFIXES:
            path = candidate if candidate.is_absolute() else self.cwd / candidate
            if path.is_file():
                try:
                    self.attach_image(path)
                except NotAnImage:
                    pass  # pasted as text below
                else:
                    return
        lines = text.count("\n") + 1
        if len(text) > LARGE_PASTE_CHARS or lines > LARGE_PASTE_LINES:
            n = len(self._pastes) + 1
            self._pastes[n] = text
            self.insert(f"[Pasted text #{n}: {lines} lines]")
            return
        self.insert(text)

    def attach_image(self, path: Path) -> None:
        self.images.append((path.name, image_data_url(path)))
        self.insert(f"[image: {path.name}] ")

    # -- submit ------------------------------------------------------------------------
    def expand_pastes(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self._pastes.get(int(m.group(1)), m.group(0)), text)

    def submit(self) -> None:
        raw = self.text
        if not raw.strip() and not self.images:
            return
        draft = Draft(self.expand_pastes(raw).strip("\n"), [url for _, url in self.images])
        if raw.strip() and (not self.prompt_history or self.prompt_history[-1] != raw):
            self.prompt_history.append(raw)
        self._hist_pos = None
        self._pastes.clear()
        self.images.clear()
        self.text = ""
        self.post_message(self.Submitted(draft))

    def clear_draft(self) -> None:
        self.text = ""
        self._pastes.clear()
        self.images.clear()
        self._hist_pos = None
        self._hide_popup()
