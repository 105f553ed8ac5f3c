"""Background tasks: `burro serve`, `burro worker` and `burro cloud` (on Temporal)."""
