"""The fidelity suite: data sets of many shapes (`datasets`), one train-and-score run per data set
(`runner`), the table (`table`), and the peer reference row (`dgan`). Benchmarks only: the product never
imports this package, and its data dependencies are the optional `bench` extra."""
