#include "h2s/scoring/simhash.hpp"

#include "h2s/model/ascii.hpp"
#include "h2s/scoring/text_scan.hpp"

namespace h2s::scoring {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

// Mixes a 64-bit value so that neighbouring shingle hashes spread over all bits.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

std::uint64_t simhash(std::string_view text) noexcept {
  std::array<int, 64> votes{};
  std::uint64_t previous = 0;
  int words = 0, shingles = 0;
  auto vote = [&](std::uint64_t h) {
    h = mix(h);
    for (int bit = 0; bit < 64; ++bit) votes[bit] += ((h >> bit) & 1) ? 1 : -1;
    ++shingles;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_char(text[i])) ++i;
    if (i >= text.size()) break;
    std::uint64_t word = kFnvOffset;
    while (i < text.size() && is_word_char(text[i])) {
      word = (word ^ static_cast<unsigned char>(ascii_lower(text[i]))) * kFnvPrime;
      ++i;
    }
    // Possessives are the same word: "Nvidia's" is "Nvidia".
    if (i + 1 < text.size() && (text[i] == '\'') && (text[i + 1] == 's' || text[i + 1] == 'S')) i += 2;
    vote(word);  // words carry most of the weight in short texts; pairs add word order
    if (words > 0) vote(previous * 31 + word);
    previous = word;
    ++words;
  }
  std::uint64_t out = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (votes[bit] > 0) out |= std::uint64_t{1} << bit;
  }
  return shingles > 0 ? out : 0;
}

std::uint64_t names_signature(std::string_view text) noexcept {
  std::uint64_t bloom = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_char(text[i])) ++i;
    if (i >= text.size()) break;
    const char first = text[i];
    std::uint64_t word = kFnvOffset;
    while (i < text.size() && (is_word_char(text[i]) || text[i] == '.' || text[i] == ',')) {
      if (text[i] != ',') word = (word ^ static_cast<unsigned char>(ascii_lower(text[i]))) * kFnvPrime;
      ++i;
    }
    if ((first >= 'A' && first <= 'Z') || (first >= '0' && first <= '9')) {
      const std::uint64_t h = mix(word);
      bloom |= (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
    }
  }
  return bloom;
}

ChainIndex::ChainIndex(std::size_t capacity, std::int64_t window_us)
    : entries_(capacity < 1 ? 1 : capacity), chain_ids_(entries_.size()), window_us_(window_us) {}

const ChainIndex::Entry* ChainIndex::nearest(std::uint64_t fingerprint, std::uint64_t names, std::int64_t now_us,
                                             int& distance) const noexcept {
  const Entry* best = nullptr;
  int best_distance = 65;
  for (const Entry& e : entries_) {
    if (e.chain_length == 0 || now_us - e.seen_us > window_us_) continue;
    const int shared = __builtin_popcountll(e.names & names), either = __builtin_popcountll(e.names | names);
    if (2 * shared < either) continue;  // mostly different names or figures: different news
    const int d = hamming(e.fingerprint, fingerprint);
    if (d < best_distance) {
      best_distance = d;
      best = &e;
    }
  }
  distance = best_distance;
  return best;
}

void ChainIndex::add(std::uint64_t fingerprint, std::uint64_t names, std::int64_t now_us, std::string_view chain_id,
                     std::uint32_t chain_length) noexcept {
  entries_[next_] = Entry{fingerprint, names, now_us, chain_length};
  (void)chain_ids_[next_].assign(chain_id);
  next_ = (next_ + 1) % entries_.size();
}

}  // namespace h2s::scoring
