#pragma once
// Per-stage and end-to-end latency of the live pipeline, in nanoseconds, recorded by the
// pipeline thread and exported by the metrics server (Prometheus histograms in seconds).
#include "h2s/metrics/live_histogram.hpp"

namespace h2s::pipeline {

struct StageLatencies {
  metrics::LiveHistogram decode;      // message (or previous story of its batch) -> story decoded
  metrics::LiveHistogram match;       // Hyperscan scan of headline, summary and body
  metrics::LiveHistogram score;       // dedup, novelty, sentiment and signal decisions
  metrics::LiveHistogram publish;     // sequencing, encoding and every output of a story's signals
  metrics::LiveHistogram end_to_end;  // receive time (kernel or read) -> signal published, per signal
};

}  // namespace h2s::pipeline
