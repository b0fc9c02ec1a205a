// The h2s command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>

#include "eval_command.hpp"
#include "journal_command.hpp"
#include "record_command.hpp"
#include "replay_command.hpp"
#include "rules_command.hpp"
#include "run_command.hpp"
#include "tap_command.hpp"
#include "h2s/rules/rule_pack.hpp"

int main(int argc, char** argv) {
  // A reader that went away (SIGPIPE) or a file-size limit (SIGXFSZ) is an error on that write
  // (EPIPE, EFBIG), handled by its output's policy, never a silent end without the final accounting.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"h2s: headline-to-signal streaming engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("h2s ") + H2S_VERSION);
  int exit_code = 0;
  h2s::tools::add_eval_command(app, exit_code);
  h2s::tools::add_journal_command(app, exit_code);
  h2s::tools::add_record_command(app, exit_code);
  h2s::tools::add_replay_command(app, exit_code);
  h2s::tools::add_rules_command(app, exit_code);
  h2s::tools::add_run_command(app, exit_code);
  h2s::tools::add_tap_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ValidationError& e) {
    std::fprintf(stderr, "h2s: %s\n", e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const h2s::rules::RulePackError& e) {
    std::fprintf(stderr, "h2s: rule pack error:\n%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "h2s: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
