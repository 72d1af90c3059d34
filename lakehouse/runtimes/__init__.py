"""Runtimes: argument parsing and sessions for job entry points, packaging, and submitters.

``args``/``entry``/``sessions`` run on the cluster; ``packaging``/``artifacts``/``submit*``
run on the machine that submits. See ``docs/running-on-aws.md``.
"""
