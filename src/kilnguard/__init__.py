"""kilnguard: process safety for kiln plants — records, explainable risk, safe plans, investigations."""

__version__ = "0.1.0"
