#include "h2s/evaluation/scorecard_report.hpp"

#include <cinttypes>

#include "h2s/model/json_string.hpp"

namespace h2s::evaluation {
namespace {

// A rate with nothing to divide by prints as "-".
std::string rate(double value, std::uint64_t of, bool percent) {
  if (of == 0) return "-";
  char text[16];
  std::snprintf(text, sizeof text, percent ? "%.1f%%" : "%.3f", percent ? 100 * value : value);
  return text;
}

std::string fraction(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? std::string("-") : std::to_string(a) + "/" + std::to_string(b);
}

void print_row(std::FILE* out, const std::string& name, const Tally& t) {
  std::fprintf(out, "%-20s %6" PRIu64 " %7s %9s %6" PRIu64 " %9s %11s %11s %6" PRIu64 "\n", name.c_str(), t.expected_pairs,
               rate(t.recall(), t.expected_pairs, false).c_str(), rate(t.wrong_side_rate(), t.expected_pairs, true).c_str(),
               t.quiet, rate(t.false_alarm_rate(), t.quiet, true).c_str(),
               fraction(t.duplicates_suppressed, t.duplicates).c_str(), fraction(t.revised_right, t.revised).c_str(),
               t.spillover);
}

void json_tally(std::string& out, const Tally& t) {
  char text[640];
  std::snprintf(text, sizeof text,
                "{\"expected_pairs\":%" PRIu64 ",\"correct\":%" PRIu64 ",\"wrong_side\":%" PRIu64 ",\"quiet\":%" PRIu64
                ",\"false_alarms\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"duplicates_suppressed\":%" PRIu64
                ",\"revised\":%" PRIu64 ",\"revised_right\":%" PRIu64 ",\"spillover\":%" PRIu64
                ",\"recall\":%.4f,\"wrong_side_rate\":%.4f,\"false_alarm_rate\":%.4f,\"duplicates_rate\":%.4f"
                ",\"revisions_rate\":%.4f}",
                t.expected_pairs, t.correct, t.wrong_side, t.quiet, t.false_alarms, t.duplicates, t.duplicates_suppressed,
                t.revised, t.revised_right, t.spillover, t.recall(), t.wrong_side_rate(), t.false_alarm_rate(),
                t.duplicates_rate(), t.revisions_rate());
  out += text;
}

}  // namespace

void print_scorecard(std::FILE* out, const Scorecard& card) {
  std::fprintf(out, "%-20s %6s %7s %9s %6s %9s %11s %11s %6s\n", "topic", "pairs", "recall", "wrong", "quiet",
               "false al.", "dups supp.", "revs right", "spill");
  for (const auto& [topic, tally] : card.by_topic) print_row(out, topic, tally);
  print_row(out, "all", card.overall);
  const Tally& t = card.overall;
  std::fprintf(out, "\nrecall %.3f   wrong side %.1f%%   false alarms %.1f%%   duplicates suppressed %.1f%%   "
               "revisions right %.1f%%   spillover %" PRIu64 "\n",
               t.recall(), 100 * t.wrong_side_rate(), 100 * t.false_alarm_rate(), 100 * t.duplicates_rate(),
               100 * t.revisions_rate(), t.spillover);
  std::fprintf(out, "signals %" PRIu64 " (lexicon-only %" PRIu64 ", for unlabelled stories %" PRIu64 ")\n", card.signals,
               card.lexicon_signals, card.unlabelled_signals);
  const auto& c = card.confusion.cells;
  std::fprintf(out, "\nconfusion       got buy  got sell   nothing\n");
  const char* rows[] = {"expected buy", "expected sell", "expected none"};
  for (std::size_t r = 0; r < 3; ++r) {
    std::fprintf(out, "%-14s %8" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n", rows[r], c[r][0], c[r][1], c[r][2]);
  }
}

void print_failures(std::FILE* out, const Scorecard& card, const HeadlineIndex& headlines, std::size_t limit) {
  std::size_t shown = 0;
  for (const Failure& f : card.failures) {
    if (shown++ == limit) {
      std::fprintf(out, "... %zu more\n", card.failures.size() - limit);
      return;
    }
    const Label& l = *f.label;
    const auto it = headlines.find({l.story_id, l.version});
    std::fprintf(out, "%-12s %-24s %s\n    \"%s\"\n    note: %s\n", std::string(to_string(l.kind)).c_str(),
                 l.topic.empty() ? "-" : l.topic.c_str(), f.what.c_str(),
                 it == headlines.end() ? "(headline not in the feed)" : it->second.c_str(), l.note.c_str());
    for (const ObservedSignal* s : f.got) {
      std::fprintf(out, "    got %s %s (%s, %s%s%s)\n", s->ticker.c_str(), std::string(to_string(s->side)).c_str(),
                   s->rule.c_str(), std::string(to_string(s->basis)).c_str(), s->event.empty() ? "" : " ",
                   s->event.c_str());
    }
  }
}

std::string scorecard_json(const Scorecard& card) {
  std::string out = "{\"overall\":";
  json_tally(out, card.overall);
  out += ",\"topics\":{";
  bool first = true;
  for (const auto& [topic, tally] : card.by_topic) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, topic);
    out += ':';
    json_tally(out, tally);
  }
  out += "},\"confusion\":{";
  const char* names[] = {"buy", "sell", "none"};
  for (std::size_t r = 0; r < 3; ++r) {
    if (r != 0) out += ',';
    append_json_string(out, names[r]);
    out += ":{";
    for (std::size_t c = 0; c < 3; ++c) {
      if (c != 0) out += ',';
      append_json_string(out, names[c]);
      out += ':';
      out += std::to_string(card.confusion.cells[r][c]);
    }
    out += '}';
  }
  out += "},\"signals\":";
  out += std::to_string(card.signals);
  out += ",\"lexicon_signals\":";
  out += std::to_string(card.lexicon_signals);
  out += ",\"unlabelled_signals\":";
  out += std::to_string(card.unlabelled_signals);
  out += ",\"failures\":[";
  first = true;
  for (const Failure& f : card.failures) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    append_json_string(out, f.label->key);
    out += ",\"what\":";
    append_json_string(out, f.what);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace h2s::evaluation
