"""`rapport bench`: how fast rapport loads and computes at 1M and 10M interactions, and how far
that is from the best hand-written query (the floor). See docs/benchmarks.md."""
