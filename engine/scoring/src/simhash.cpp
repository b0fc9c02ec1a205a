#include "h2s/scoring/simhash.hpp"


namespace h2s::scoring {

std::uint64_t simhash(const rules::TokenizedText& words, std::uint32_t begin, std::uint32_t end) noexcept {
  // Bit votes counted eight lanes at a time: each byte of a shingle's hash adds its bits, one per
  // lane of a 64-bit word, so a shingle costs eight table look-ups and adds, not 64 branches.
  static constexpr auto kSpread = [] {
    std::array<std::uint64_t, 256> t{};
    for (std::size_t b = 0; b < 256; ++b) {
      for (std::size_t bit = 0; bit < 8; ++bit) {
        if ((b >> bit) & 1) t[b] |= std::uint64_t{1} << (8 * bit);
      }
    }
    return t;
  }();
  std::array<std::uint64_t, 8> lanes{};  // lanes[byte] holds the vote counts of bits 8*byte .. 8*byte+7
  std::uint32_t shingles = 0;
  auto vote = [&](std::uint64_t h) {
    h = mix(h);
    for (std::size_t byte = 0; byte < 8; ++byte) lanes[byte] += kSpread[(h >> (8 * byte)) & 0xFF];
    ++shingles;
  };
  std::uint64_t previous = 0;
  for (std::uint32_t i = begin; i < end && i < words.count && shingles < 250; ++i) {
    const std::uint64_t word = words.tokens[i].hash;
    vote(word);  // words carry most of the weight in short texts; pairs add word order
    if (i > begin) vote(previous * 31 + word);
    previous = word;
  }
  if (shingles == 0) return 0;
  std::uint64_t out = 0;
  for (std::size_t byte = 0; byte < 8; ++byte) {
    for (std::size_t bit = 0; bit < 8; ++bit) {
      const std::uint64_t ones = (lanes[byte] >> (8 * bit)) & 0xFF;
      if (2 * ones > shingles) out |= std::uint64_t{1} << (8 * byte + bit);
    }
  }
  return out;
}

std::uint64_t names_signature(const rules::TokenizedText& words, std::uint32_t begin, std::uint32_t end) noexcept {
  std::uint64_t bloom = 0;
  for (std::uint32_t i = begin; i < end && i < words.count; ++i) {
    const rules::Token& t = words.tokens[i];
    if (!t.has(rules::Token::capital) && !t.has(rules::Token::number)) continue;
    const std::uint64_t h = mix(t.hash);
    bloom |= (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
  }
  return bloom;
}

ChainIndex::ChainIndex(std::size_t capacity, std::int64_t window_us)
    : entries_(capacity < 1 ? 1 : capacity), chain_ids_(entries_.size()), window_us_(window_us) {}

const ChainIndex::Entry* ChainIndex::nearest(std::uint64_t fingerprint, std::uint64_t names, std::int64_t now_us,
                                             int& distance) const noexcept {
  const Entry* best = nullptr;
  int best_distance = 65;
  // Newest first, until an entry has left the window (they were added in arrival order); the
  // distance first: it rules out nearly every entry in one popcount.
  const std::size_t n = entries_.size();
  std::size_t at = next_;
  for (std::size_t k = 1; k <= filled_; ++k) {
    at = at == 0 ? n - 1 : at - 1;  // no division per entry: the scan is the dedup stage's hottest loop
    const Entry& e = entries_[at];
    if (now_us - e.seen_us > window_us_) break;
    const int d = hamming(e.fingerprint, fingerprint);
    if (d >= best_distance) continue;
    const int shared = __builtin_popcountll(e.names & names), either = __builtin_popcountll(e.names | names);
    if (2 * shared < either) continue;  // mostly different names or figures: different news
    best_distance = d;
    best = &e;
  }
  distance = best_distance;
  return best;
}

void ChainIndex::add(std::uint64_t fingerprint, std::uint64_t names, std::uint64_t signature, std::int64_t now_us,
                     std::string_view chain_id, std::uint32_t chain_length) noexcept {
  entries_[next_] = Entry{fingerprint, names, signature, now_us, chain_length};
  (void)chain_ids_[next_].assign(chain_id);
  next_ = (next_ + 1) % entries_.size();
  if (filled_ < entries_.size()) ++filled_;
}

}  // namespace h2s::scoring
