print("pontotel-benchmark: see scripts/benchmark")
