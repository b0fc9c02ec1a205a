#include "eval_command.hpp"

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "default_paths.hpp"
#include "h2s/evaluation/evaluation_run.hpp"
#include "h2s/evaluation/labels.hpp"
#include "h2s/evaluation/scorecard_report.hpp"
#include "h2s/rules/compiled_pack.hpp"

namespace h2s::tools {
namespace {

struct EvalOptions {
  std::string input;
  std::string labels;
  std::string rules;
  std::string signals;
  std::string json;
  std::vector<std::string> params;
  std::size_t failures = 0;
  bool all_failures = false;
  // Gates: the run fails (exit 1) when a figure is worse than asked.
  double min_recall = 0, max_wrong_side = 1, max_false_alarms = 1, min_duplicates = 0, min_revisions = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

int run(const EvalOptions& o) {
  const evaluation::LabelSet labels = evaluation::load_labels(o.labels);
  std::vector<evaluation::ObservedSignal> signals;
  if (!o.signals.empty()) {
    signals = evaluation::read_signal_lines(read_file(o.signals));
  } else {
    scoring::ScoringParams params;
    for (const std::string& assignment : o.params) {
      const auto eq = assignment.find('=');
      std::string error = "--param takes NAME=VALUE, not '" + assignment + "'";
      if (eq == std::string::npos ||
          !scoring::set_scoring_param(params, assignment.substr(0, eq), assignment.substr(eq + 1), error)) {
        throw CLI::ValidationError("--param", error);
      }
    }
    const std::string rules = o.rules.empty() ? default_rules_path().string() : o.rules;
    pipeline::PipelineCounters counters;
    auto result = evaluation::run_feed(o.input, rules::CompiledPack::load(rules), params, counters);
    if (!result.balanced) {
      std::fprintf(stderr, "h2s eval: the replay's accounting did not balance\n");
      return 1;
    }
    signals = std::move(result.signals);
    std::fprintf(stdout, "h2s eval: %s with %s: %llu messages, %llu stories, %llu rejected, %zu labels\n\n",
                 o.input.c_str(), rules.c_str(), static_cast<unsigned long long>(counters.messages.get()),
                 static_cast<unsigned long long>(counters.stories.get()),
                 static_cast<unsigned long long>(counters.rejected_total()), labels.labels.size());
  }
  const evaluation::Scorecard card = evaluation::score_signals(labels, signals);
  evaluation::print_scorecard(stdout, card);
  if (o.failures > 0 || o.all_failures) {
    std::fprintf(stdout, "\nfailures (%zu):\n", card.failures.size());
    evaluation::print_failures(stdout, card, evaluation::index_headlines(o.input),
                               o.all_failures ? std::numeric_limits<std::size_t>::max() : o.failures);
  }
  if (!o.json.empty()) {
    std::ofstream out(o.json, std::ios::binary | std::ios::trunc);
    out << evaluation::scorecard_json(card);
    if (!out.flush()) throw std::runtime_error(o.json + ": cannot be written");
  }
  const evaluation::Tally& t = card.overall;
  bool ok = true;
  auto gate = [&](bool pass, const char* what, double got, double limit) {
    if (pass) return;
    std::fprintf(stderr, "h2s eval: %s %.3f is past the limit %.3f\n", what, got, limit);
    ok = false;
  };
  gate(t.recall() >= o.min_recall, "recall", t.recall(), o.min_recall);
  gate(t.wrong_side_rate() <= o.max_wrong_side, "wrong side", t.wrong_side_rate(), o.max_wrong_side);
  gate(t.false_alarm_rate() <= o.max_false_alarms, "false alarms", t.false_alarm_rate(), o.max_false_alarms);
  gate(t.duplicates_rate() >= o.min_duplicates, "duplicates suppressed", t.duplicates_rate(), o.min_duplicates);
  gate(t.revisions_rate() >= o.min_revisions, "revisions right", t.revisions_rate(), o.min_revisions);
  return ok ? 0 : 1;
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Score a rule pack on a labelled corpus (labels.md): recall, wrong side, false "
                                             "alarms, duplicates, revisions, per topic");
  cmd->add_option("--input,-i", o->input, "The corpus feed (NDJSON, any format h2s reads)")->required();
  cmd->add_option("--labels,-l", o->labels, "Its labels (one JSON object keyed by story id)")->required();
  cmd->add_option("--rules,-r", o->rules, "Rule pack (default: the bundled rules/default)");
  cmd->add_option("--param,-p", o->params, "Scoring parameter NAME=VALUE (repeatable; see docs/scoring.md)");
  cmd->add_option("--signals", o->signals, "Score these signal lines (an earlier replay's output) instead of running");
  cmd->add_option("--failures", o->failures, "List the first N failures with their headlines");
  cmd->add_flag("--all-failures", o->all_failures, "List every failure");
  cmd->add_option("--json", o->json, "Also write the scorecard as JSON to this file");
  cmd->add_option("--min-recall", o->min_recall, "Exit 1 below this recall")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-wrong-side", o->max_wrong_side, "Exit 1 above this wrong-side rate")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-false-alarms", o->max_false_alarms, "Exit 1 above this false-alarm rate")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-duplicates", o->min_duplicates, "Exit 1 below this share of duplicates suppressed")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-revisions", o->min_revisions, "Exit 1 below this share of revisions right")->check(CLI::Range(0.0, 1.0));
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace h2s::tools
