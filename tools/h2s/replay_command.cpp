#include "replay_command.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "default_paths.hpp"
#include "endpoint.hpp"
#include "h2s/feeds/file_source.hpp"
#include "h2s/pipeline/replay_pipeline.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "story_dump.hpp"

namespace h2s::tools {
namespace {

struct ReplayOptions {
  std::string input;
  std::string rules;
  std::string speed = "max";
  std::string layout = "fused";
  std::string idle = "backoff";
  std::size_t max_message_bytes = 1 << 20;
  std::size_t max_text_bytes = 32 * 1024;
  std::string rules_cache;
  std::vector<std::string> params;
  std::string journal;
  std::string journal_fsync = "batch";
  std::string journal_on_error = "halt";
  std::string session = "H2S";
  std::string soup_listen;
  std::string soup_user;
  std::string mold_group;
  std::string mold_interface = "127.0.0.1";
  std::string mold_retransmit = "127.0.0.1:0";
  std::string ndjson_listen;
  int linger_ms = 0;
  std::size_t wait_subscribers = 0;
  bool reload_on_sighup = false;
  bool quiet = false;
  std::string progress = "auto";
  std::string stories;
};

// One progress line on stderr: rewritten in place on a terminal, one line per report otherwise.
void print_progress(const pipeline::ReplayProgress& p, bool terminal) {
  const double rate = p.elapsed_seconds > 0 ? static_cast<double>(p.messages) / p.elapsed_seconds : 0;
  char share[32] = "";
  if (p.input_size != 0) {
    std::snprintf(share, sizeof share, ", %.1f %% of the input",
                  100.0 * static_cast<double>(p.input_position) / static_cast<double>(p.input_size));
  }
  std::fprintf(stderr, "%sh2s replay: %llu messages, %llu signals%s, %.0f messages/s%s", terminal ? "\r\033[K" : "",
               static_cast<unsigned long long>(p.messages), static_cast<unsigned long long>(p.signals), share, rate,
               terminal ? "" : "\n");
  std::fflush(stderr);
}

// The network feeds from the command line; the SoupBinTCP password only from the environment.
std::optional<publish::SignalFeedsOptions> feed_options(const ReplayOptions& o) {
  if (o.soup_listen.empty() && o.mold_group.empty() && o.journal.empty() && o.ndjson_listen.empty()) return std::nullopt;
  publish::SignalFeedsOptions feed;
  feed.journal.file = o.journal;
  feed.journal.session = o.session;
  if (!publish::parse_fsync_policy(o.journal_fsync, feed.journal.fsync)) {
    throw CLI::ValidationError("--journal-fsync", "must be none, batch or interval, not '" + o.journal_fsync + "'");
  }
  if (!publish::parse_journal_error_policy(o.journal_on_error, feed.journal.on_error)) {
    throw CLI::ValidationError("--journal-on-error", "must be halt or memory, not '" + o.journal_on_error + "'");
  }
  if (!o.soup_listen.empty()) {
    publish::SoupServerOptions soup;
    std::tie(soup.address, soup.port) = parse_endpoint(o.soup_listen, "--soup-listen");
    const char* user = std::getenv("H2S_SOUP_USER");
    soup.username = !o.soup_user.empty() ? o.soup_user : (user != nullptr ? user : "");
    const char* password = std::getenv("H2S_SOUP_PASSWORD");
    soup.password = password != nullptr ? password : "";
    if (soup.username.empty() || soup.password.empty()) {
      throw CLI::ValidationError("--soup-listen", "needs --soup-user (or H2S_SOUP_USER) and H2S_SOUP_PASSWORD in the environment");
    }
    feed.soup = soup;
  }
  if (!o.mold_group.empty()) {
    publish::MoldPublisherOptions mold;
    std::tie(mold.group, mold.port) = parse_endpoint(o.mold_group, "--mold-group");
    mold.interface = o.mold_interface;
    std::tie(mold.retransmit_address, mold.retransmit_port) = parse_endpoint(o.mold_retransmit, "--mold-retransmit");
    feed.mold = mold;
  }
  if (!o.ndjson_listen.empty()) {
    publish::NdjsonServerOptions ndjson;
    std::tie(ndjson.address, ndjson.port) = parse_endpoint(o.ndjson_listen, "--ndjson-listen");
    feed.ndjson = ndjson;
  }
  return feed;
}

double parse_speed(const std::string& text) {
  if (text == "max") return 0;
  if (text == "realtime") return 1;
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(value > 0) || !std::isfinite(value)) {
    throw CLI::ValidationError("--speed", "must be max, realtime or a positive factor, not '" + text + "'");
  }
  return value;
}

void print_summary(const ReplayOptions& options, const rules::CompiledPack& pack, const pipeline::PipelineCounters& c,
                   const pipeline::ReplayReport& report) {
  using scoring::StoryOutcome;
  std::FILE* err = stderr;
  std::fprintf(err, "h2s replay: input=%s rules=%s (%zu rules, %zu patterns%s)\n", options.input.c_str(),
               options.rules.c_str(), pack.stats().rules, pack.stats().patterns,
               pack.stats().from_cache ? ", cached" : "");
  std::fprintf(err, "  lines      %8llu  (blank %llu)\n", static_cast<unsigned long long>(c.lines.get()),
               static_cast<unsigned long long>(c.blank_lines.get()));
  std::fprintf(err, "  messages   %8llu  = stories %llu + control %llu + rejected %llu\n",
               static_cast<unsigned long long>(c.messages.get()), static_cast<unsigned long long>(c.stories.get()),
               static_cast<unsigned long long>(c.control.get()), static_cast<unsigned long long>(c.rejected_total()));
  std::fprintf(err, "  stories    %8llu  = signalled %llu + event %llu + no_match %llu + duplicate %llu + deleted %llu\n",
               static_cast<unsigned long long>(c.stories.get()),
               static_cast<unsigned long long>(c.outcome(StoryOutcome::signalled)),
               static_cast<unsigned long long>(c.outcome(StoryOutcome::event)),
               static_cast<unsigned long long>(c.outcome(StoryOutcome::no_match)),
               static_cast<unsigned long long>(c.outcome(StoryOutcome::duplicate)),
               static_cast<unsigned long long>(c.outcome(StoryOutcome::deleted)));
  std::fprintf(err, "  control    %8llu ", static_cast<unsigned long long>(c.control.get()));
  for (std::size_t i = 0; i < kControlReasonCount; ++i) {
    if (c.control_by_reason[i].get() != 0) {
      std::fprintf(err, " %s=%llu", std::string(to_string(static_cast<ControlReason>(i))).c_str(),
                   static_cast<unsigned long long>(c.control_by_reason[i].get()));
    }
  }
  std::fprintf(err, "\n  rejected   %8llu ", static_cast<unsigned long long>(c.rejected_total()));
  for (std::size_t i = 0; i < kStatusCount; ++i) {
    if (c.rejected[i].get() != 0) {
      std::fprintf(err, " %s=%llu", std::string(to_string(static_cast<Status>(i))).c_str(),
                   static_cast<unsigned long long>(c.rejected[i].get()));
    }
  }
  std::fprintf(err, "\n  signals    %8llu  (published %llu; cancels published %llu, untracked %llu)\n",
               static_cast<unsigned long long>(c.signals.get()), static_cast<unsigned long long>(c.published.get()),
               static_cast<unsigned long long>(c.cancels_published.get()),
               static_cast<unsigned long long>(c.cancels_untracked.get()));
  if (c.rule_swaps.get() != 0 || report.reloads_failed != 0) {
    std::fprintf(err, "  reloads    %llu swapped in, %llu refused\n", static_cast<unsigned long long>(c.rule_swaps.get()),
                 static_cast<unsigned long long>(report.reloads_failed));
  }
  std::fprintf(err, "  scoring    near-duplicates %llu, revisions %llu (unmoved %llu), throttled %llu, deletes of signalled stories %llu\n",
               static_cast<unsigned long long>(c.near_duplicates.get()), static_cast<unsigned long long>(c.revisions.get()),
               static_cast<unsigned long long>(c.revisions_unmoved.get()), static_cast<unsigned long long>(c.throttled.get()),
               static_cast<unsigned long long>(c.cancels.get()));
  if (c.text_cut.get() != 0) {
    std::fprintf(err, "  warning: %llu stories had a headline, summary or body over %zu bytes: matched and scored up to there\n",
                 static_cast<unsigned long long>(c.text_cut.get()), options.max_text_bytes);
  }
  if (c.match_truncated.get() != 0) {
    std::fprintf(err, "  warning: %llu stories hit the per-story match capacity\n",
                 static_cast<unsigned long long>(c.match_truncated.get()));
  }
  for (std::size_t i = 0; i < report.samples; ++i) {
    std::fprintf(err, "  rejected line %llu: %s\n", static_cast<unsigned long long>(report.rejection_samples[i].line),
                 std::string(to_string(report.rejection_samples[i].reason)).c_str());
  }
  const double seconds = report.elapsed_seconds > 0 ? report.elapsed_seconds : 1e-9;
  std::fprintf(err, "  elapsed    %.3f s  (%.0f messages/s, %.1f MB/s)  accounting %s\n", report.elapsed_seconds,
               static_cast<double>(c.messages.get()) / seconds, static_cast<double>(c.bytes_read.get()) / seconds / 1e6,
               c.balanced() ? "balanced" : "UNBALANCED");
}

int run(const ReplayOptions& options_in) {
  ReplayOptions options = options_in;
  if (options.reload_on_sighup) {
    // Block SIGHUP before anything else, so one sent during start-up waits for the reloader
    // instead of ending the process.
    sigset_t hangup;
    sigemptyset(&hangup);
    sigaddset(&hangup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hangup, nullptr);
    std::fprintf(stderr, "h2s replay: send SIGHUP to pid %d to reload the rule pack\n", static_cast<int>(::getpid()));
  }
  if (options.rules.empty()) options.rules = default_rules_path().string();
  pipeline::ReplayConfig config;
  config.input = options.input;
  config.processor.limits.max_message_bytes = options.max_message_bytes;
  config.processor.limits.max_text_bytes = options.max_text_bytes;
  config.processor.speed = parse_speed(options.speed);
  config.flush_as_it_goes = options.input == "-" || config.processor.speed > 0;
  if (config.processor.speed > 0) {
    // Paced: little read ahead, so an interrupt leaves little unpaced work behind it.
    config.chunk_bytes = 16 * 1024;
    config.chunk_count = 2;
  }
  config.stop_on_interrupt = true;
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  if (options.progress == "always" || (options.progress == "auto" && terminal && !options.quiet)) {
    config.on_progress = [terminal](const pipeline::ReplayProgress& p) { print_progress(p, terminal); };
  } else if (options.progress != "auto" && options.progress != "never") {
    throw CLI::ValidationError("--progress", "must be auto, always or never, not '" + options.progress + "'");
  }
  config.layout = pipeline::parse_layout(options.layout);
  config.idle = pipeline::parse_idle_kind(options.idle);
  if (options.reload_on_sighup) config.reload_rules_on_sighup = options.rules;
  config.feed = feed_options(options);
  config.linger = std::chrono::milliseconds(options.linger_ms);
  config.wait_subscribers = options.wait_subscribers;
  if (options.wait_subscribers > 0 && !config.feed) {
    throw CLI::ValidationError("--wait-subscribers", "needs a feed to subscribe to (--soup-listen or --ndjson-listen)");
  }
  config.on_waiting = [wanted = options.wait_subscribers](std::size_t connected, bool waiting) {
    if (waiting) {
      std::fprintf(stderr, "h2s replay: waiting for %zu subscribers before reading the input\n", wanted);
    } else {
      std::fprintf(stderr, "h2s replay: %zu subscribers connected, reading the input\n", connected);
    }
    std::fflush(stderr);
  };
  config.on_feed_ready = [](const publish::SignalFeeds& feed) { feed.announce(stderr, "h2s replay"); };
  config.rules_cache = options.rules_cache;
  for (const std::string& assignment : options.params) {
    const auto eq = assignment.find('=');
    std::string error = "--param takes NAME=VALUE, not '" + assignment + "'";
    if (eq == std::string::npos ||
        !scoring::set_scoring_param(config.processor.scoring, assignment.substr(0, eq), assignment.substr(eq + 1), error)) {
      throw CLI::ValidationError("--param", error);
    }
  }

  feeds::check_feed_file(options.input);  // a bad input is said before seconds of rule compile
  rules::CompileOptions compile_options;
  compile_options.cache_dir = options.rules_cache;
  auto pack = rules::CompiledPack::load(options.rules, compile_options);

  std::optional<StoryDump> stories;
  if (!options.stories.empty()) {
    stories.emplace(options.stories);
    config.processor.stories = &*stories;
  }
  publish::NdjsonWriter output(STDOUT_FILENO);
  pipeline::PipelineCounters counters;
  const auto report = pipeline::run_replay(config, pack, output, counters);
  if (stories && !stories->close()) {
    std::fprintf(stderr, "h2s replay: error writing %s: %s\n", options.stories.c_str(), std::strerror(stories->error()));
    return 1;
  }
  if (config.on_progress && terminal) std::fputs("\r\033[K", stderr);  // the summary replaces the progress line
  if (!options.quiet) print_summary(options, *pack, counters, report);
  if (report.read_errno != 0) {
    std::fprintf(stderr, "h2s replay: error reading %s: %s\n", options.input.c_str(), report.read_error.c_str());
    return 1;
  }
  if (report.output_errno != 0) {
    std::fprintf(stderr, "h2s replay: error writing signals: %s\n", std::strerror(report.output_errno));
    return 1;
  }
  if (report.journal_errno != 0) {
    if (report.journal_halted) {
      std::fprintf(stderr, "h2s replay: error writing the journal %s: %s; halted: nothing after it was published\n",
                   options.journal.c_str(), std::strerror(report.journal_errno));
    } else {
      std::fprintf(stderr, "h2s replay: error writing the journal %s: %s; %llu messages were published without a record\n",
                   options.journal.c_str(), std::strerror(report.journal_errno),
                   static_cast<unsigned long long>(report.journal_unjournaled));
    }
    return 1;
  }
  if (report.interrupted_by != 0) {
    // What was read was processed and published; the rest of the input was not read.
    std::fprintf(stderr, "h2s replay: interrupted by %s before the end of the input", report.interrupted_by == SIGINT ? "SIGINT" : "SIGTERM");
    if (report.cut_partial_bytes != 0) {
      std::fprintf(stderr, "; the line it cut (%zu bytes so far) was not read", report.cut_partial_bytes);
    }
    std::fputc('\n', stderr);
    return 128 + report.interrupted_by;
  }
  return counters.balanced() ? 0 : 1;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand("replay", "Replay a recorded NDJSON feed; one JSON signal per line on stdout");
  cmd->add_option("--input,-i", options->input, "NDJSON feed file ('-' for stdin); vendor format detected per line")
      ->required();
  cmd->add_option("--rules,-r", options->rules, "Rule pack directory or file (default: the bundled rules/default)");
  cmd->add_option("--speed", options->speed, "max, realtime, or a factor of the recorded pace (e.g. 10)")
      ->default_val("max");
  cmd->add_option("--layout", options->layout, "Threads: fused | split | staged")->default_val("fused");
  cmd->add_option("--idle", options->idle, "Idle strategy: busy-spin | yield | backoff")->default_val("backoff");
  cmd->add_option("--max-message-bytes", options->max_message_bytes, "Longer lines are rejected as oversized")
      ->default_val(1 << 20)
      ->check(CLI::Range(std::size_t{256}, std::size_t{64} << 20));
  cmd->add_option("--max-text-bytes", options->max_text_bytes,
                  "A headline, summary or body longer than this is matched and scored only up to here (counted)")
      ->default_val(32 * 1024)
      ->check(CLI::Range(std::size_t{256}, std::size_t{64} << 20));
  cmd->add_option("--rules-cache", options->rules_cache, "Directory caching compiled rule databases");
  cmd->add_option("--stories", options->stories,
                  "Also write every decoded story (fields as matched, vendor fields, outcome, topics) as NDJSON to FILE");
  cmd->add_option("--param,-p", options->params, "Scoring parameter NAME=VALUE (repeatable; see docs/scoring.md)");
  cmd->add_option("--journal", options->journal, "Append-only journal file of the binary feed (restarts continue it)");
  cmd->add_option("--journal-fsync", options->journal_fsync, "none | batch (fdatasync per group, before release) | interval")
      ->default_val("batch");
  cmd->add_option("--journal-on-error", options->journal_on_error,
                  "When the journal cannot be written: halt (publish nothing more, exit 1) | memory (go on, unjournaled)")
      ->default_val("halt");
  cmd->add_option("--session", options->session, "Binary feed session name (1-10 characters)")->default_val("H2S");
  cmd->add_option("--soup-listen", options->soup_listen, "Serve SoupBinTCP 4.0 on HOST:PORT (e.g. 127.0.0.1:0)");
  cmd->add_option("--soup-user", options->soup_user, "SoupBinTCP username (or H2S_SOUP_USER); password from H2S_SOUP_PASSWORD");
  cmd->add_option("--ndjson-listen", options->ndjson_listen,
                  "Serve the JSON lines over TCP on HOST:PORT (e.g. 127.0.0.1:0); slow clients are disconnected");
  cmd->add_option("--mold-group", options->mold_group, "Publish MoldUDP64 to GROUP:PORT (e.g. 239.192.0.1:31001)");
  cmd->add_option("--mold-interface", options->mold_interface, "Multicast interface address")->default_val("127.0.0.1");
  cmd->add_option("--mold-retransmit", options->mold_retransmit, "Serve MoldUDP64 retransmissions on HOST:PORT")
      ->default_val("127.0.0.1:0");
  cmd->add_option("--linger-ms", options->linger_ms, "Keep serving the binary feed this long after the input ends")
      ->default_val(0)
      ->check(CLI::Range(0, 3'600'000));
  cmd->add_option("--wait-subscribers", options->wait_subscribers,
                  "Read no input until N subscribers (SoupBinTCP, NDJSON/TCP) are connected, so none misses the start")
      ->default_val(0);
  cmd->add_flag("--reload-on-sighup", options->reload_on_sighup,
               "On SIGHUP, recompile the rule pack and swap it in between lines (a broken pack is refused)");
  cmd->add_flag("--quiet,-q", options->quiet, "No summary on stderr");
  cmd->add_option("--progress", options->progress,
                  "A progress line on stderr every second: auto (when stderr is a terminal) | always | never")
      ->default_val("auto");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace h2s::tools
