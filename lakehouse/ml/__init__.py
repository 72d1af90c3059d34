"""ML-ready exports: splits, train-only fitted transforms, leakage checks, SageMaker formats.

Spark-free modules (importable without Spark): :mod:`~lakehouse.ml.checks`, :mod:`~lakehouse.ml.classes`,
:mod:`~lakehouse.ml.drift`, :mod:`~lakehouse.ml.manifest`, :mod:`~lakehouse.ml.report`.
The Spark side: :mod:`~lakehouse.ml.features`, :mod:`~lakehouse.ml.splits`,
:mod:`~lakehouse.ml.transforms`, :mod:`~lakehouse.ml.stats`, :mod:`~lakehouse.ml.writer`,
:mod:`~lakehouse.ml.build` and :mod:`~lakehouse.ml.rebuild`. See README.md.
"""
