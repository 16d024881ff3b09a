// Tests for bgp/log: one event per line, key=value, values quoted when needed.
#include "bgp/log.h"

#include <sstream>

#include <doctest/doctest.h>

using namespace bgpdemo::bgp;

TEST_CASE("log: key=value lines, quoting values with spaces, quotes and newlines") {
  CHECK(FormatLogLine("T", LogLevel::kInfo, "session_state",
                      {{"peer", "172.22.0.3"}, {"state", "established"}}) ==
        "ts=T level=info event=session_state peer=172.22.0.3 state=established");
  CHECK(FormatLogLine("T", LogLevel::kWarn, "notification_received",
                      {{"text", "Cease (6/2): \"bye\"\nnow"}, {"empty", ""}}) ==
        "ts=T level=warn event=notification_received text=\"Cease (6/2): \\\"bye\\\"\\nnow\" "
        "empty=\"\"");
}

TEST_CASE("log: StreamLogger drops events below its level") {
  std::ostringstream out;
  StreamLogger log(out, LogLevel::kWarn);
  log.Info("ignored");
  log.Error("kept", {{"k", "v"}});
  const std::string s = out.str();
  CHECK(s.find("ignored") == std::string::npos);
  CHECK(s.find("level=error event=kept k=v\n") != std::string::npos);
  LogLevel l;
  CHECK(ParseLogLevel("debug", l));
  CHECK(l == LogLevel::kDebug);
  CHECK_FALSE(ParseLogLevel("verbose", l));
}
