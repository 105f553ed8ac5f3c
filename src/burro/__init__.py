"""burro: an open agentic software engineer."""

__version__ = "0.1.0"
__all__ = ["__version__"]
