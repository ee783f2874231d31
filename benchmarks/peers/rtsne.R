#!/usr/bin/Rscript
# Rtsne peer runner for benchmarks/compare.py (usable on its own too).
#
#   Rscript rtsne.R --input X.npy|X.bin [--cols D] --output EMB.csv [--dims 2] [--theta 0.5]
#                   [--threads 2] [--perplexity 30] [--max-iter 750] [--seed 42]
#
# Calls Rtsne exactly as in /work/shared/peers.md (pca = FALSE, check_duplicates = FALSE, every
# other argument at Rtsne's default: random init, eta = 200, exaggeration 12 for 250 iterations,
# normalize = TRUE). Only the Rtsne() call is timed, so R start-up, reading the matrix and writing
# the CSV are excluded; the caller measures the whole process separately.
#
# Output: the embedding as CSV (no header, no row names) and one line on stdout,
#   RTSNE_RESULT fit_s=<elapsed> user_s=<cpu> sys_s=<cpu> final_cost=<KL> n=<N> d=<D> dims=<dims> theta=<theta>
# which compare.py parses. theta is bhtsne's half-width criterion (0.5 here = 1.0 in sklearn terms);
# theta = 0 runs Rtsne's exact O(N^2) method.

suppressPackageStartupMessages(library(Rtsne))

parse_args <- function(args) {
  opts <- list(input = NULL, output = NULL, cols = NA_integer_, dims = 2L, theta = 0.5,
               threads = 1L, perplexity = 30, max_iter = 750L, seed = 42L)
  i <- 1L
  while (i <= length(args)) {
    key <- args[[i]]
    if (i == length(args)) stop("option ", key, " needs a value")
    val <- args[[i + 1L]]
    switch(key,
      "--input" = opts$input <- val,
      "--output" = opts$output <- val,
      "--cols" = opts$cols <- as.integer(val),
      "--dims" = opts$dims <- as.integer(val),
      "--theta" = opts$theta <- as.numeric(val),
      "--threads" = opts$threads <- as.integer(val),
      "--perplexity" = opts$perplexity <- as.numeric(val),
      "--max-iter" = opts$max_iter <- as.integer(val),
      "--seed" = opts$seed <- as.integer(val),
      stop("unknown option ", key))
    i <- i + 2L
  }
  if (is.null(opts$input) || is.null(opts$output)) stop("--input and --output are required")
  opts
}

# Minimal .npy reader: version 1-3 header, little-endian float32/float64, 2-D. Fortran order is
# handled too so that a transposed save does not silently scramble the rows.
read_npy <- function(path) {
  con <- file(path, "rb")
  on.exit(close(con))
  magic <- readBin(con, "raw", 6L)
  if (!identical(magic, as.raw(c(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)))) stop(path, ": not a .npy file")
  major <- as.integer(readBin(con, "raw", 1L))
  readBin(con, "raw", 1L)  # minor version
  header_len <- if (major == 1L) {
    readBin(con, "integer", 1L, size = 2L, signed = FALSE, endian = "little")
  } else {
    readBin(con, "integer", 1L, size = 4L, endian = "little")
  }
  header <- rawToChar(readBin(con, "raw", header_len))
  descr <- sub(".*'descr':\\s*'([^']+)'.*", "\\1", header)
  fortran <- grepl("'fortran_order':\\s*True", header)
  shape_txt <- sub(".*'shape':\\s*\\(([^)]*)\\).*", "\\1", header)
  shape <- as.numeric(strsplit(gsub("\\s", "", shape_txt), ",")[[1]])
  shape <- shape[!is.na(shape)]
  if (length(shape) != 2L) stop(path, ": expected a 2-D array, shape (", shape_txt, ")")
  size <- switch(descr, "<f4" = 4L, "<f8" = 8L, stop(path, ": unsupported dtype ", descr))
  n <- shape[[1]]
  d <- shape[[2]]
  v <- readBin(con, "double", n * d, size = size, endian = "little")
  if (length(v) != n * d) stop(path, ": truncated data")
  matrix(v, nrow = n, ncol = d, byrow = !fortran)
}

# Raw little-endian float32, row-major, no header (tools/prep_data.py's .bin): the column count
# must be given, the row count follows from the file size.
read_bin <- function(path, cols) {
  if (is.na(cols) || cols < 1L) stop(path, ": a .bin input needs --cols D")
  bytes <- file.info(path)$size
  if (bytes %% (4 * cols) != 0) stop(path, ": size ", bytes, " is not a multiple of 4 * ", cols)
  n <- bytes / (4 * cols)
  con <- file(path, "rb")
  on.exit(close(con))
  v <- readBin(con, "double", n * cols, size = 4L, endian = "little")
  matrix(v, nrow = n, ncol = cols, byrow = TRUE)
}

opts <- parse_args(commandArgs(trailingOnly = TRUE))
X <- if (grepl("\\.npy$", opts$input)) read_npy(opts$input) else read_bin(opts$input, opts$cols)

# gcFirst = TRUE: a collection before the timer starts, so garbage from reading the input is
# not charged to the fit. "elapsed" is wall time; user/system are CPU time summed over threads.
set.seed(opts$seed)
tm <- system.time(
  fit <- Rtsne(X, dims = opts$dims, pca = FALSE, perplexity = opts$perplexity, theta = opts$theta,
               max_iter = opts$max_iter, num_threads = opts$threads, check_duplicates = FALSE),
  gcFirst = TRUE)

write.table(fit$Y, file = opts$output, sep = ",", row.names = FALSE, col.names = FALSE)
# itercosts holds the cost every 50 iterations; the last one is Rtsne's own final KL.
final_cost <- if (length(fit$itercosts)) tail(fit$itercosts, 1L) else NA
cat(sprintf("RTSNE_RESULT fit_s=%.3f user_s=%.3f sys_s=%.3f final_cost=%.6f n=%d d=%d dims=%d theta=%g\n",
            tm[["elapsed"]], tm[["user.self"]] + tm[["user.child"]], tm[["sys.self"]] + tm[["sys.child"]],
            final_cost, nrow(X), ncol(X), opts$dims, opts$theta))
