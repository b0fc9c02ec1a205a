#pragma once
// Wire-to-wire: the load generator sends NDJSON over TCP to a real `h2s run`; a SoupBinTCP and a
// MoldUDP64 subscriber in this process time each signal from the send of its story to its arrival.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "h2s/perf/load_generator.hpp"

namespace h2s::perf {

struct WireOptions {
  std::string h2s_binary;
  std::string rules;
  std::vector<double> rates;  // offered messages/s; each run gets a fresh daemon
  double seconds = 3;         // per offered rate (and for the as-fast-as-possible run)
  std::filesystem::path scratch;
  bool quick = false;
  int daemon_cpu = 1;         // the daemon's pipeline thread; this process stays on the other
};

// Returns {"runs": [...], "max_sustainable": {...}, "ok": bool}; prints a table as it goes.
[[nodiscard]] nlohmann::json run_wire(const WireOptions& options, const std::vector<CorpusStory>& corpus,
                                      const LoadOptions& load);

}  // namespace h2s::perf
