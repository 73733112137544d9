"""The domain: plain Python, no Flask and no SQLAlchemy (STYLE.md)."""
