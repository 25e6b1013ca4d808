"""Slow pure-Python twins of the Cython kernels, written from the spec in the plainest Python."""
