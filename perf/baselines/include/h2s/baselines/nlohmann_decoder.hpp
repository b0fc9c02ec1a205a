#pragma once
// Baseline: the vendor formats decoded with nlohmann::json (a DOM parse per line) in place of
// simdjson On-Demand. Same formats, same Story, same DecodeSink contract as h2s::feeds::Decoder.
#include <memory>
#include <string_view>

#include "h2s/feeds/decoder.hpp"

namespace h2s::baselines {

class NlohmannDecoder {
 public:
  NlohmannDecoder();
  ~NlohmannDecoder();
  NlohmannDecoder(const NlohmannDecoder&) = delete;
  NlohmannDecoder& operator=(const NlohmannDecoder&) = delete;

  void decode(std::string_view line, std::int64_t recv_us, feeds::DecodeSink& sink);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace h2s::baselines
