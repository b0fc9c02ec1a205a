#pragma once
// `h2s journal check FILE` / `h2s journal repair FILE`: verify a journal's checksums; cut it to its
// last good record, saying what is dropped.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_journal_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
