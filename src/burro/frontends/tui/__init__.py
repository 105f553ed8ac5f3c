"""The interactive terminal UI (Textual). Imported only by `burro` / `burro resume`."""
