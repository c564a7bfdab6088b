"""What the test suites share: clusters served with a dialplan or a Service, simulated
calls, the real captures and test vectors, the seed's apps, pictures read back, PNGs.

Each module is named after what it holds; tests import them as ``tests.support.<name>``.
"""
