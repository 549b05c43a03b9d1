"""Data quality: expectation suites as code, checks at load, warehouse checks, stored results.

Importing this package is cheap: Great Expectations is imported only inside the functions
that validate with it (see README.md in this folder).
"""
