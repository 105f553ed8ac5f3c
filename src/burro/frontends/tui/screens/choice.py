"""A modal list to pick one value (model, effort, approvals, sandbox, session)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > #box { width: 90%; max-width: 110; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 0 1; }
    ChoiceScreen #title { padding: 0 0 1 0; text-style: bold; }
    ChoiceScreen OptionList { height: auto; max-height: 24; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, options: list[tuple[str, str]], *, current: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.title_text + "  (enter to pick, esc to cancel)", id="title")
            yield OptionList(*[Option(label, id=value) for value, label in self.options])

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ids = [v for v, _ in self.options]
        if self.current in ids:
            ol.highlighted = ids.index(self.current)
        elif ids:
            ol.highlighted = 0
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
