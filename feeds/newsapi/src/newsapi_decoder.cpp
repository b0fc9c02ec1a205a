#include "h2s/feeds/newsapi_decoder.hpp"

#include <cstdint>

namespace h2s::feeds {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view text) noexcept {
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return hash;
}

std::array<char, kNewsapiIdBytes> render_id(std::uint64_t hash) noexcept {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<char, kNewsapiIdBytes> id{'n', 'a', '-'};
  for (int i = 0; i < 16; ++i) id[static_cast<std::size_t>(3 + i)] = kHex[(hash >> (60 - 4 * i)) & 0xF];
  return id;
}

}  // namespace

std::array<char, kNewsapiIdBytes> newsapi_id_for_url(std::string_view url) noexcept {
  return render_id(fnv1a(kFnvOffset, url));
}

Status decode_newsapi(od::object article, StoryBuilder& builder) noexcept {
  Story& story = builder.begin(Vendor::newsapi);
  std::string_view url;
  const Status s = for_each_field(article, [&](std::string_view key, od::value value) {
    if (key == "title") return read_html(value, builder, story.headline);
    if (key == "description") return read_html(value, builder, story.summary);
    if (key == "content") return read_html(value, builder, story.body);
    if (key == "url") return read_text(value, url);
    if (key == "source") return read_name_of(value, story.source);
    if (key == "author") return read_text(value, story.author);
    if (key == "publishedAt") return read_time(value, story.ts_source_us);
    return Status::ok;
  });
  if (s != Status::ok) return s;
  std::uint64_t hash = kFnvOffset;
  if (!url.empty()) {
    hash = fnv1a(hash, url);
  } else {
    hash = fnv1a(hash, story.headline);
    char stamp[8];
    for (int i = 0; i < 8; ++i) stamp[i] = static_cast<char>(story.ts_source_us >> (8 * i));
    hash = fnv1a(hash, {stamp, sizeof stamp});
  }
  const std::array<char, kNewsapiIdBytes> id = render_id(hash);
  story.id = builder.store({id.data(), id.size()});
  return validate_story(story);
}

}  // namespace h2s::feeds
