// The quality tools as a researcher runs them: quality/make_feed.py renders labelled corpora, and
// h2s eval holds the development corpus to the floors docs/quality.md records.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "subprocess.hpp"
#include "test_paths.hpp"

using Catch::Matchers::Contains;
using h2s::test::read_file;
using h2s::test::run_process;

namespace {

const std::string kH2s = H2S_BINARY;
const std::string kMakeFeed = (h2s::test::source_dir() / "quality" / "make_feed.py").string();

// A corpus of one story in each of two formats, a repeat on another wire and a revised story.
constexpr const char* kCorpus =
    R"({"id": "t-1", "format": "generic", "headline": "*FED CUTS RATES BY 25 BPS", "published_at": "2025-12-10T19:00:00Z", "source": "written: flash", "expect": [["QQQ", "buy"], ["TLT", "buy"]], "topic": "macro.fomc", "kind": "signal", "note": "cut"}
{"id": "t-2", "format": "benzinga", "headline": "Fed Cuts Rates By 25 Bps", "published_at": "2025-12-10T19:03:00Z", "source": "written: Benzinga", "expect": [], "topic": "macro.fomc", "kind": "duplicate", "duplicate_of": "t-1", "note": "re-carry"}
{"id": "t-3", "format": "benzinga", "headline": "Equinix Raises AFFO Guidance", "tickers": ["EQIX"], "published_at": "2025-12-11T14:00:00Z", "source": "written: Benzinga", "expect": [["EQIX", "buy"]], "topic": "dc.reit", "kind": "signal", "note": "guidance raised", "version": 1}
{"id": "t-3", "format": "benzinga", "headline": "Equinix Cuts AFFO Guidance", "tickers": ["EQIX"], "published_at": "2025-12-11T14:00:00Z", "updated_at": "2025-12-11T14:20:00Z", "source": "written: Benzinga", "expect": [["EQIX", "sell"]], "topic": "dc.reit", "kind": "revision", "note": "correction flips", "version": 2}
)";

std::size_t json_keys(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::object labels;
  if (parser.parse(text).get(labels) != simdjson::SUCCESS) return 0;
  return labels.size();
}

}  // namespace

TEST_CASE("make_feed renders a corpus as the same feed every time, each version and repeat with its label") {
  h2s::test::TempDir dir;
  const auto corpus = dir.write("corpus.jsonl", kCorpus);
  auto render = [&](const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"/usr/bin/python3", kMakeFeed, corpus.string(), "--feed", (dir.path() / (name + ".ndjson")).string(),
                                  "--labels", (dir.path() / (name + ".json")).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto r = run_process(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return std::pair(read_file(dir.path() / (name + ".ndjson")), read_file(dir.path() / (name + ".json")));
  };
  const auto [feed, labels] = render("a", {});
  const auto [feed_again, labels_again] = render("b", {});
  CHECK(feed == feed_again);
  CHECK(labels == labels_again);
  CHECK(std::count(feed.begin(), feed.end(), '\n') == 4);
  CHECK(json_keys(labels) == 4);  // the revision is keyed ID@2
  CHECK_THAT(labels, Contains("@2"));

  // The feed replays and scores against its labels: the cut, the suppressed repeat, the flip.
  const auto scored = run_process({kH2s, "eval", "--input", (dir.path() / "a.ndjson").string(), "--labels",
                                   (dir.path() / "a.json").string(), "--min-recall", "1", "--max-wrong-side", "0",
                                   "--min-duplicates", "1", "--min-revisions", "1"});
  INFO(scored.out << scored.err);
  CHECK(scored.exit_code == 0);

  // --exclude leaves out the stories whose headline another corpus already holds, in any case.
  const auto seen = dir.write("seen.jsonl",
                              R"({"id": "s-1", "format": "generic", "headline": "equinix raises affo guidance", "published_at": "2024-01-01T00:00:00Z", "source": "written: x", "expect": [], "topic": null, "kind": "distractor", "note": "x"})"
                              "\n");
  const auto [left, left_labels] = render("c", {"--exclude", seen.string()});
  CHECK(json_keys(left_labels) == 2);
  CHECK(std::count(left.begin(), left.end(), '\n') == 2);
}

TEST_CASE("The development corpus holds the quality floors of docs/quality.md") {
  // Floors a little under the figures measured when they were set, so a change that loses a class
  // of headlines fails here; generalization itself is measured on blind sets (docs/quality.md).
  h2s::test::TempDir dir;
  std::vector<std::string> argv{"/usr/bin/python3", kMakeFeed};
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(h2s::test::source_dir() / "quality" / "corpus")) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 7);
  argv.insert(argv.end(), files.begin(), files.end());
  const auto feed = (dir.path() / "dev.ndjson").string(), labels = (dir.path() / "dev.json").string();
  argv.insert(argv.end(), {"--apart", "3", "--feed", feed, "--labels", labels});
  const auto rendered = run_process(argv);
  INFO(rendered.err);
  REQUIRE(rendered.exit_code == 0);
  const auto r = run_process({kH2s, "eval", "--input", feed, "--labels", labels, "--min-recall", "0.80", "--max-wrong-side",
                              "0.03", "--max-false-alarms", "0.07", "--min-duplicates", "0.84", "--min-revisions", "0.87"},
                             std::chrono::seconds(120));
  INFO(r.out.substr(0, 4000) << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("recall"));
}
