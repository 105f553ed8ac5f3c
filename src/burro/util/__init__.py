"""Small generic helpers shared by every layer (no burro imports here)."""

from burro.util.truncate import count_lines, format_capped_output, truncate_middle

__all__ = ["count_lines", "format_capped_output", "truncate_middle"]
