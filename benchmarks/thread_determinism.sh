#!/usr/bin/env bash
# Thread-count determinism at scale (issue 7): runs the tsne CLI on one data set with --threads 1
# and with each other given count, for every method and output dimension, and compares the output
# files byte for byte (cmp). Exact repulsion is O(N²) per iteration: it runs EXACT_ITERATIONS.
#
#   benchmarks/thread_determinism.sh build/examples/tsne /tmp/tsne-data/fmnist20k_pca50.npy 2
#
# Prints one line per run (method, dims, threads, seconds, identical or DIFFERENT); exits 1 if any
# output differs. Results: benchmarks/RESULTS.md, "Thread-count determinism at 20k".
set -euo pipefail
tsne=${1:?usage: thread_determinism.sh path/to/tsne data.npy [threads...]}
data=${2:?usage: thread_determinism.sh path/to/tsne data.npy [threads...]}
shift 2
others=("${@:-2}")
iterations=${ITERATIONS:-750}
exact_iterations=${EXACT_ITERATIONS:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for method in bh fft exact; do
  for dims in 1 2 3; do
    [ "$method" = fft ] && [ "$dims" = 3 ] && continue   # FFT: 1-D and 2-D only
    its=$iterations; ex=250
    if [ "$method" = exact ]; then its=$exact_iterations; ex=$((its / 3)); fi
    run() {  # threads -> output file; prints seconds
      local t0 ms
      t0=$(date +%s%N)
      "$tsne" --input "$data" --output "$tmp/$method-$dims-$1.csv" --dims "$dims" --method "$method" \
              --iterations "$its" --exaggeration-iterations "$ex" --threads "$1" --quiet
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
    }
    s1=$(run 1)
    printf '%-6s %d-D  %3d iterations  threads 1: %6.1f s\n' "$method" "$dims" "$its" "$s1"
    for t in "${others[@]}"; do
      st=$(run "$t")
      if cmp -s "$tmp/$method-$dims-1.csv" "$tmp/$method-$dims-$t.csv"; then verdict=identical; else verdict=DIFFERENT; status=1; fi
      printf '%-6s %d-D  %3d iterations  threads %d: %6.1f s  %s\n' "$method" "$dims" "$its" "$t" "$st" "$verdict"
    done
  done
done
exit $status
