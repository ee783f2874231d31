#pragma once
// The plain (non-fluent) API, kept as one include: the entry points prepare*/run_schedule/fit
// (run/prepare.hpp), which include Run (run/run.hpp), its state file (run/state_file.hpp) and its
// point renumbering (run/renumbering.hpp).
#include "run/prepare.hpp"
