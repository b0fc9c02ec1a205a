#include "journal_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "h2s/publish/journal.hpp"

namespace h2s::tools {
namespace {

// One line per finding; true when the journal is whole.
bool report(const std::string& file, const publish::JournalScan& scan) {
  std::printf("%s: %llu good records (sequences 1-%llu), %lld bytes\n", file.c_str(),
              static_cast<unsigned long long>(scan.records), static_cast<unsigned long long>(scan.records),
              static_cast<long long>(scan.file_end));
  if (scan.torn_tail) {
    std::printf("%s: torn tail at byte %lld (%s): %lld bytes after sequence %llu; opening the journal cuts them\n",
                file.c_str(), static_cast<long long>(scan.bad_offset), scan.problem.c_str(),
                static_cast<long long>(scan.file_end - scan.good_end), static_cast<unsigned long long>(scan.records));
  }
  if (scan.corrupt) {
    std::printf("%s: CORRUPT at byte %lld (%s) after sequence %llu: %lld bytes from there on cannot be trusted; "
                "the daemon refuses to start on it (h2s journal repair cuts them)\n",
                file.c_str(), static_cast<long long>(scan.bad_offset), scan.problem.c_str(),
                static_cast<unsigned long long>(scan.records), static_cast<long long>(scan.file_end - scan.good_end));
  }
  return !scan.torn_tail && !scan.corrupt;
}

}  // namespace

void add_journal_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("journal", "Check or repair a signal journal (docs/wire.md, \"Journal\")");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check = cmd->add_subcommand("check", "Verify every record's checksum; exit 1 on a torn tail or corruption");
  check->add_option("file", *file, "Journal file")->required()->check(CLI::ExistingFile);
  check->callback([file, &exit_code] {
    try {
      exit_code = report(*file, publish::Journal::scan(*file)) ? 0 : 1;
    } catch (const publish::JournalError& e) {
      std::fprintf(stderr, "h2s journal check: %s\n", e.what());
      exit_code = 2;
    }
  });
  CLI::App* repair = cmd->add_subcommand("repair", "Cut the file to its last good record, after saying what it drops");
  repair->add_option("file", *file, "Journal file")->required()->check(CLI::ExistingFile);
  repair->callback([file, &exit_code] {
    try {
      const publish::JournalScan scan = publish::Journal::repair(*file);
      if (report(*file, scan)) {
        std::printf("%s: nothing to repair\n", file->c_str());
      } else {
        std::printf("%s: cut to %lld bytes; sequences after %llu are dropped\n", file->c_str(),
                    static_cast<long long>(scan.good_end), static_cast<unsigned long long>(scan.records));
      }
      exit_code = 0;
    } catch (const publish::JournalError& e) {
      std::fprintf(stderr, "h2s journal repair: %s\n", e.what());
      exit_code = 2;
    }
  });
}

}  // namespace h2s::tools
