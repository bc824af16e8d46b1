"""The smart order router's algorithms (execution/router.py is their front door)."""
