// The h2s command as a user runs it: exit codes, the stdout contract, the stderr summary.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include <zlib.h>

#include <csignal>
#include <sstream>
#include <string>
#include <thread>

#include "subprocess.hpp"
#include "test_paths.hpp"

using h2s::test::run_process;
using Catch::Matchers::Contains;

namespace {
const std::string kH2s = H2S_BINARY;
const std::string kFeed = h2s::test::sample_feed().string();
}  // namespace

TEST_CASE("h2s replay writes contract-conforming JSON signals and a balanced summary") {
  const auto result = run_process({kH2s, "replay", "--input", kFeed});
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("accounting balanced"));
  CHECK_THAT(result.err, Contains("messages"));
  CHECK_THAT(result.err, Contains("rejected"));

  simdjson::dom::parser parser;
  std::stringstream lines(result.out);
  std::string line;
  std::int64_t expected_seq = 1;
  int cancels = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    CHECK(int64_t(doc["seq"]) == expected_seq++);
    CHECK(doc["story_id"].is_string());
    if (std::string_view(doc["type"]) == "cancel") {  // withdraws an earlier signal (replay_test checks which)
      ++cancels;
      CHECK(int64_t(doc["cancels"]) < int64_t(doc["seq"]));
      continue;
    }
    REQUIRE(std::string_view(doc["type"]) == "signal");
    CHECK(doc["ticker"].is_string());
    const std::string_view side = doc["side"];
    CHECK((side == "buy" || side == "sell"));
    CHECK(doc["topic"].is_string());
    CHECK(doc["rule"].is_string());
    const double strength = doc["strength"], sentiment = doc["sentiment"], novelty = doc["novelty"];
    CHECK((strength > 0 && strength <= 1));
    CHECK((sentiment >= -1 && sentiment <= 1));
    CHECK((novelty >= 0 && novelty <= 1));
    CHECK((sentiment > 0) == (side == "buy"));
    CHECK(doc["delta"].is_number());
    CHECK(int64_t(doc["ts_source_us"]) > 1'700'000'000'000'000);
    CHECK(int64_t(doc["ts_recv_us"]) >= int64_t(doc["ts_source_us"]));
    CHECK(int64_t(doc["ts_signal_us"]) >= int64_t(doc["ts_recv_us"]));
  }
  CHECK(expected_seq > 50);
  CHECK(cancels >= 2);  // the sample's two deletes of signalled stories, and any revision that flips a side
  CHECK_THAT(result.err, Contains("cancels published " + std::to_string(cancels) + ", untracked 0"));
}

TEST_CASE("h2s replay is byte-identical across runs and speeds up nothing it should not") {
  const auto a = run_process({kH2s, "replay", "--input", kFeed, "--quiet"});
  const auto b = run_process({kH2s, "replay", "--input", kFeed, "--quiet", "--layout", "staged", "--idle", "yield"});
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.err.empty());
}

TEST_CASE("h2s replay reads standard input and paces by recorded time on request") {
  h2s::test::TempDir dir;
  // Two stories 200 ms apart: at speed 1 the replay takes about that long, at max it does not wait.
  const auto feed = dir.write("paced.ndjson",
      R"({"id":"a","headline":"Fed's Waller backs a rate cut","published_at":"2025-12-02T13:30:00.000Z"})" "\n"
      R"({"id":"b","headline":"Fed's Logan opposes a rate cut","published_at":"2025-12-02T13:30:00.200Z"})" "\n");
  const auto start = std::chrono::steady_clock::now();
  const auto paced = run_process({kH2s, "replay", "--input", feed.string(), "--speed", "1", "--quiet"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(paced.exit_code == 0);
  CHECK(elapsed >= std::chrono::milliseconds(200));
  const auto fast = run_process({"/bin/sh", "-c", kH2s + " replay --input - --quiet < " + feed.string()});
  REQUIRE(fast.exit_code == 0);
  CHECK(fast.out == paced.out);
  // A recording from 1971 paces from its first story, whatever the date; a line dated before the
  // epoch is refused as bad_timestamp instead of setting the pace.
  const auto old = dir.write("1971.ndjson",
      R"({"id":"z","headline":"Before the epoch","published_at":"1969-12-31T23:59:59Z"})" "\n"
      R"({"id":"a","headline":"Fed's Burns backs a rate cut","published_at":"1971-01-01T00:00:00.000Z"})" "\n"
      R"({"id":"b","headline":"Fed's Burns opposes a rate cut","published_at":"1971-01-01T00:00:00.200Z"})" "\n");
  const auto old_start = std::chrono::steady_clock::now();
  const auto old_run = run_process({kH2s, "replay", "--input", old.string(), "--speed", "realtime"});
  const auto old_elapsed = std::chrono::steady_clock::now() - old_start;
  REQUIRE(old_run.exit_code == 0);
  CHECK(old_elapsed >= std::chrono::milliseconds(200));
  CHECK(old_elapsed < std::chrono::seconds(30));
  CHECK_THAT(old_run.err, Contains("bad_timestamp=1"));
}

TEST_CASE("h2s replay --stories writes every decoded story with its vendor fields, outcome and topics") {
  h2s::test::TempDir dir;
  const auto stories = dir.path() / "stories.ndjson";
  const auto result = run_process({kH2s, "replay", "--input", kFeed, "--stories", stories.string()});
  REQUIRE(result.exit_code == 0);
  const std::string text = h2s::test::read_file(stories);
  simdjson::dom::parser parser;
  std::stringstream lines(text);
  std::string line;
  std::size_t n = 0, signalled = 0, with_topics = 0, deleted = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    ++n;
    for (const char* key : {"vendor", "id", "action", "headline", "summary", "body", "outcome", "source", "author"}) {
      CHECK(doc[key].is_string());
    }
    for (const char* key : {"tickers", "channels", "tags", "topics"}) CHECK(doc[key].is_array());
    CHECK(doc["version"].is_int64());
    const std::string_view outcome = doc["outcome"];
    signalled += outcome == "signalled" ? 1 : 0;
    deleted += outcome == "deleted" ? 1 : 0;
    with_topics += simdjson::dom::array(doc["topics"]).size() > 0 ? 1 : 0;
    if (outcome == "signalled") CHECK(int64_t(doc["signals"]) > 0);
    // Fields as matched: no markup and no typographic punctuation left.
    const std::string_view body = doc["body"];
    CHECK(body.find("<p>") == std::string_view::npos);
    CHECK(std::string_view(doc["headline"]).find("\u2019") == std::string_view::npos);
  }
  // Every story, and nothing else: the summary's counts.
  CHECK_THAT(result.err, Contains("stories    " + std::string(8 - std::to_string(n).size(), ' ') + std::to_string(n) +
                                  "  = signalled " + std::to_string(signalled) + " "));
  CHECK_THAT(result.err, Contains("deleted " + std::to_string(deleted) + "\n"));
  CHECK(deleted > 0);
  CHECK(with_topics >= signalled);
  // The signals on stdout are those of a run without --stories.
  CHECK(result.out == run_process({kH2s, "replay", "--input", kFeed, "--quiet"}).out);
}

TEST_CASE("h2s reports user mistakes clearly with a non-zero exit") {
  auto r = run_process({kH2s, "replay", "--input", "/nonexistent/feed.ndjson"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("cannot open feed file '/nonexistent/feed.ndjson'"));
  r = run_process({kH2s, "replay", "--input", kFeed, "--speed", "fast"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Contains("--speed"));
  r = run_process({kH2s, "replay", "--input", kFeed, "--rules", "/nonexistent/pack"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("rule pack not found"));
  r = run_process({kH2s, "replay", "--input", kFeed, "--layout", "sideways"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("layout must be fused, split or staged"));
  r = run_process({kH2s, "replay"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("--input"));
  // Inputs that are no feed file, said before the rule compile (so without its seconds).
  h2s::test::TempDir dir;
  r = run_process({kH2s, "replay", "--input", dir.path().string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("is a directory"));
  // Usage errors exit 2 and name the offender.
  r = run_process({kH2s, "replay", "--input", kFeed, "--colour", "blue"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("--colour"));
  r = run_process({kH2s, "frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("frobnicate"));
  r = run_process({kH2s});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("subcommand"));
  // --version says what was built, and how.
  r = run_process({kH2s, "--version"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("h2s 0.") && Contains("compiler") && Contains("-march=") && Contains("Hyperscan") &&
                        Contains("simdjson"));
}

TEST_CASE("h2s replay reads a gzip-compressed feed file as its plain form, and says when it cannot") {
  h2s::test::TempDir dir;
  const std::string plain = h2s::test::read_file(kFeed);
  const std::string gz = (dir.path() / "feed.ndjson.gz").string();
  gzFile out = gzopen(gz.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(gzwrite(out, plain.data(), static_cast<unsigned>(plain.size())) == static_cast<int>(plain.size()));
  REQUIRE(gzclose(out) == Z_OK);
  const auto expected = run_process({kH2s, "replay", "--input", kFeed, "--quiet"});
  REQUIRE(expected.exit_code == 0);
  const auto r = run_process({kH2s, "replay", "--input", gz});
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected.out);
  CHECK_THAT(r.err, Contains("accounting balanced"));
  // A truncated file: what was decompressed is processed, then the corruption is said, exit 1.
  const std::string compressed = h2s::test::read_file(gz);
  const auto cut = dir.write("cut.ndjson.gz", compressed.substr(0, compressed.size() / 2));
  const auto truncated = run_process({kH2s, "replay", "--input", cut.string()});
  CHECK(truncated.exit_code == 1);
  CHECK_THAT(truncated.err, Contains("corrupt gzip stream"));
  // Compressed bytes on a pipe are refused, not read as news.
  h2s::test::Process piped({kH2s, "replay", "--input", "-"}, true);
  piped.write_stdin(compressed);
  piped.close_stdin();
  const auto refused = piped.wait();
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Contains("gzip-compressed") && Contains("zcat"));
  CHECK(refused.out.empty());
}

TEST_CASE("h2s rules check and test pass on the bundled pack") {
  auto r = run_process({kH2s, "rules", "check"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("patterns"));
  r = run_process({kH2s, "rules", "test"}, std::chrono::seconds(120));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains(" 0 failed"));
}

TEST_CASE("h2s rules test fails with a readable diff when an example is wrong") {
  h2s::test::TempDir dir;
  dir.write("pack.toml", R"(
[[topic]]
id = "chips"
side = "sentiment"

[[entity]]
ticker = "AMZN"
names = ["Amazon"]

[[rule]]
id = "chips.trainium"
topic = "chips"
tickers = ["AMZN"]
patterns = ['\bTrainium\b']
examples = [{ text = "Amazon Trainium delays hit customers", ticker = "AMZN", side = "buy" }]
counterexamples = ["Amazon Trainium beats"]

[[event]]
id = "delay"
kind = "company"
roles = { subject = -1 }
phrases = ["delays"]

[[event]]
id = "beat"
kind = "company"
roles = { subject = 1 }
phrases = ["beats"]
)");
  const auto r = run_process({kH2s, "rules", "test", dir.path().string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("FAIL"));
  CHECK_THAT(r.out, Contains("pack.toml:15"));
  CHECK_THAT(r.out, Contains("expected: AMZN buy"));
  CHECK_THAT(r.out, Contains("got:      AMZN sell"));
  CHECK_THAT(r.out, Contains("counterexample"));
  CHECK_THAT(r.out, Contains("0 passed, 2 failed"));
}

TEST_CASE("h2s replay reloads its rule pack on SIGHUP and refuses a broken one") {
  h2s::test::TempDir dir;
  const auto pack = dir.path() / "pack";
  std::filesystem::copy(h2s::test::default_rules(), pack);
  auto story = [](int i) {
    return R"({"id":"s)" + std::to_string(i) + R"(","headline":"Fed's Waller backs another rate cut, story )" +
           std::to_string(i) + R"(","published_at":"2025-12-02T13:30:00Z"})" + "\n";
  };
  // The feed comes through a pipe, so each reload is known to land between lines.
  h2s::test::Process replay({kH2s, "replay", "--input", "-", "--rules", pack.string(), "--reload-on-sighup"}, true);
  auto wait_for = [&](const std::string& text) { return replay.wait_for_err(text, std::chrono::seconds(60)); };
  REQUIRE(wait_for("send SIGHUP to pid"));
  replay.write_stdin(story(0) + story(1));
  dir.write("pack/99_broken.toml", "[[rule]]\nid = \"x\"\ntopic = \"nvda.gpu\"\ntickers = [\"NVDA\"]\npatterns = ['(']\n");
  replay.signal(SIGHUP);
  REQUIRE(wait_for("rule reload failed, keeping the current pack"));
  CHECK_THAT(replay.err_so_far(), Contains("99_broken.toml:5"));
  replay.write_stdin(story(2));
  std::filesystem::remove(pack / "99_broken.toml");
  replay.signal(SIGHUP);
  REQUIRE(wait_for("rules reloaded from"));
  replay.write_stdin(story(3) + story(4));  // taken by the new pack
  const auto result = replay.wait();
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.err, Contains("reloads    1 swapped in, 1 refused"));
  CHECK_THAT(result.err, Contains("accounting balanced"));
  CHECK_THAT(result.err, Contains("messages          5"));
}

TEST_CASE("Typographic punctuation and HTML references score exactly as their ASCII forms") {
  h2s::test::TempDir dir;
  // The same stories with ’ “ ” — written raw, as named references and as numeric ones.
  const std::string ascii =
      R"([{"T":"n","id":1,"headline":"Nvidia doesn't expect delays to Blackwell shipments - CEO","summary":"","created_at":"2025-12-02T13:30:00Z","symbols":["NVDA"],"content":""}])" "\n"
      R"({"id":"g2","headline":"Fed's Waller: \"no rush\" to cut rates","published_at":"2025-12-02T13:31:00Z"})" "\n";
  const std::string raw =
      "[{\"T\":\"n\",\"id\":1,\"headline\":\"Nvidia doesn\u2019t expect delays to Blackwell shipments \u2014 CEO\",\"summary\":\"\",\"created_at\":\"2025-12-02T13:30:00Z\",\"symbols\":[\"NVDA\"],\"content\":\"\"}]\n"
      "{\"id\":\"g2\",\"headline\":\"Fed\u2019s Waller: \u201cno rush\u201d to cut rates\",\"published_at\":\"2025-12-02T13:31:00Z\"}\n";
  const std::string named =
      R"([{"T":"n","id":1,"headline":"Nvidia doesn&rsquo;t expect delays to Blackwell shipments &mdash; CEO","summary":"","created_at":"2025-12-02T13:30:00Z","symbols":["NVDA"],"content":""}])" "\n"
      R"({"id":"g2","headline":"Fed&apos;s Waller: &OpenCurlyDoubleQuote;no rush&CloseCurlyDoubleQuote; to cut rates","published_at":"2025-12-02T13:31:00Z"})" "\n";
  const std::string numeric =
      R"([{"T":"n","id":1,"headline":"Nvidia doesn&#8217;t expect delays to Blackwell shipments &#x2014; CEO","summary":"","created_at":"2025-12-02T13:30:00Z","symbols":["NVDA"],"content":""}])" "\n"
      R"({"id":"g2","headline":"Fed&#x2019;s Waller: &#8220;no rush&#8221; to cut rates","published_at":"2025-12-02T13:31:00Z"})" "\n";
  auto replay = [&](const std::string& name, const std::string& text) {
    const auto result = run_process({kH2s, "replay", "--input", dir.write(name, text).string(), "--quiet"});
    REQUIRE(result.exit_code == 0);
    return result.out;
  };
  const std::string expected = replay("ascii.ndjson", ascii);
  CHECK_THAT(expected, Contains(R"("ticker":"NVDA","side":"buy")"));  // a denied setback is good news
  CHECK_THAT(expected, Contains(R"("ticker":"TLT","side":"sell")"));   // no rush to cut: hawkish
  CHECK(replay("raw.ndjson", raw) == expected);
  CHECK(replay("named.ndjson", named) == expected);
  CHECK(replay("numeric.ndjson", numeric) == expected);
}

TEST_CASE("A live or paced replay writes each signal as it is due, not at the end") {
  h2s::test::TempDir dir;
  const std::string first = R"({"id":"a","headline":"Nvidia raises data center revenue forecast on Blackwell demand","tickers":["NVDA"],"published_at":"2025-12-02T13:30:00Z"})" "\n";
  // Live: standard input held open after one story.
  {
    h2s::test::Process replay({kH2s, "replay", "--input", "-", "--quiet"}, true);
    replay.write_stdin(first);
    CHECK(replay.wait_for_out(R"("ticker":"NVDA","side":"buy")", std::chrono::seconds(60)));  // while the input is still open
    const auto result = replay.wait();
    CHECK(result.exit_code == 0);
  }
  // Live, ended by SIGTERM with the input still open: what was read is out, and so is the summary.
  {
    h2s::test::Process replay({kH2s, "replay", "--input", "-"}, true);
    // One write (under PIPE_BUF, so one read takes it whole): once the first line's signal is out,
    // the line begun after it, never ended, has been read too.
    replay.write_stdin(first + R"({"id":"half","headline":"Broadcom cuts)");
    REQUIRE(replay.wait_for_out(R"("ticker":"NVDA","side":"buy")", std::chrono::seconds(60)));
    replay.signal(SIGTERM);
    const auto result = replay.wait(std::chrono::seconds(60), false);  // the input stays open: only the signal ends it
    CHECK(result.exit_code == 128 + SIGTERM);
    CHECK_THAT(result.err, Contains("messages          1 ") && Contains("accounting balanced") &&
                               Contains("interrupted by SIGTERM") && Contains("the line it cut (38 bytes so far) was not read"));
  }
  // Paced: the second story is due an hour later; the first is out long before.
  {
    const auto feed = dir.write("paced.ndjson", first +
        R"({"id":"b","headline":"Broadcom cuts AI revenue outlook on weak orders","published_at":"2025-12-02T14:30:00Z"})" "\n");
    h2s::test::Process replay({kH2s, "replay", "--input", feed.string(), "--speed", "realtime", "--progress", "always"});
    REQUIRE(replay.wait_for_out(R"("ticker":"NVDA","side":"buy")", std::chrono::seconds(60)));
    // Progress every second while it waits: messages so far, the share of the file read.
    CHECK(replay.wait_for_err("h2s replay: 2 messages, 1 signals, 100.0 % of the input", std::chrono::seconds(60)));
    // SIGINT ends the wait at once; the story that was waiting is processed, the summary printed.
    replay.signal(SIGINT);
    const auto result = replay.wait();
    CHECK(result.exit_code == 128 + SIGINT);
    CHECK_THAT(result.err, Contains("stories           2 ") && Contains("accounting balanced") && Contains("interrupted by SIGINT"));
    CHECK_THAT(result.out, Contains(R"("ticker":"AVGO","side":"sell")"));
  }
}
