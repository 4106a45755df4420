"""Local services for ``make run`` and the tests: embedded Postgres and the Tansu broker.

Stdlib plus the two service wheels only. ``python -m devstack up|down|status``.
"""
