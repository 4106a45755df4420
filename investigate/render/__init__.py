"""Rendering answers: ``json`` (``--json`` and the API) and ``text`` (tables and lines for people)."""
