#pragma once
// NewsAPI articles: {"source":{..},"author":..,"title":..,"description":..,"url":..,"publishedAt":..,"content":..}.
#include <array>
#include <string_view>

#include "h2s/feeds/json_fields.hpp"

namespace h2s::feeds {

// NewsAPI articles carry no id: the story id is "na-" + 16 hex digits of FNV-1a over the URL
// (or over title + publishedAt when there is no URL), stable across runs and machines.
[[nodiscard]] Status decode_newsapi(od::object article, StoryBuilder& builder) noexcept;

inline constexpr std::size_t kNewsapiIdBytes = 19;  // "na-" + 16 hex digits
// The story id the decoder gives an article with this URL (for tools that predict ids).
[[nodiscard]] std::array<char, kNewsapiIdBytes> newsapi_id_for_url(std::string_view url) noexcept;

}  // namespace h2s::feeds
