"""Builds the C forecasting kernel as the `forecast` extension module."""
from setuptools import Extension, setup

setup(
    name="finsight-predict",
    version="0.1.0",
    ext_modules=[Extension("forecast", sources=["native/forecast.c"], extra_compile_args=["-O2"])],
    py_modules=[],
)
