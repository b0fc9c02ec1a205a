// The h2s command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <hs/hs.h>
#include <simdjson.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "eval_command.hpp"
#include "journal_command.hpp"
#include "record_command.hpp"
#include "replay_command.hpp"
#include "rules_command.hpp"
#include "run_command.hpp"
#include "tap_command.hpp"
#include "h2s/rules/rule_pack.hpp"

#define H2S_STRINGIFY_TOKENS(x) #x
#define H2S_STRINGIFY(x) H2S_STRINGIFY_TOKENS(x)  // simdjson's version is a bare token (3.0.1)

int main(int argc, char** argv) {
  // A reader that went away (SIGPIPE) or a file-size limit (SIGXFSZ) is an error on that write
  // (EPIPE, EFBIG), handled by its output's policy, never a silent end without the final accounting.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"h2s: headline-to-signal streaming engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::function<std::string()>([] {
    return std::string("h2s ") + H2S_VERSION + " (" + H2S_GIT_DESCRIBE + ")\n  compiler " + __VERSION__ +
           ", -march=" + H2S_MARCH + "\n  Hyperscan " + hs_version() + "\n  simdjson " + H2S_STRINGIFY(SIMDJSON_VERSION);
  }));
  int exit_code = 0;
  h2s::tools::add_eval_command(app, exit_code);
  h2s::tools::add_journal_command(app, exit_code);
  h2s::tools::add_record_command(app, exit_code);
  h2s::tools::add_replay_command(app, exit_code);
  h2s::tools::add_rules_command(app, exit_code);
  h2s::tools::add_run_command(app, exit_code);
  h2s::tools::add_tap_command(app, exit_code);
  if (argc > 1 && argv[1][0] != '-') {  // name an unknown command (CLI11 only says one is required)
    std::string known;
    bool found = false;
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
      found = found || command->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + command->get_name();
    }
    if (!found) {
      std::fprintf(stderr, "h2s: unknown command '%s' (commands: %s)\n", argv[1], known.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ValidationError& e) {
    std::fprintf(stderr, "h2s: %s\n", e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // A usage error: exit 2, naming what was wrong (CLI11's message names the flag or subcommand).
    std::fprintf(stderr, "h2s: %s\nRun 'h2s --help' (or 'h2s <command> --help') for usage.\n", e.what());
    return 2;
  } catch (const h2s::rules::RulePackError& e) {
    std::fprintf(stderr, "h2s: rule pack error:\n%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "h2s: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
